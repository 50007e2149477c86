"""Turn a folder of article files into plain texts with metadata, accounting for every file.

Each article is ``.txt``, ``.md`` or ``.html``/``.htm`` with an optional sidecar
``<stem>.meta.json``. Whatever goes wrong with one file (empty, binary, undecodable,
too large, bad sidecar, unknown language, duplicate id) becomes a ``failed``
Document naming the file and the reason; the run goes on. All offsets downstream
index the plain text produced here, which the runner writes to ``texts/``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from .lexicon import lang_file, load_tsv
from .records import DocStatus, Document, Lang

ARTICLE_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm"})
MAX_BYTES = 5 * 1024 * 1024
SUPPORTED_LANGS = frozenset(lang.value for lang in Lang)
#: Languages the detector may answer; anything but de/en is reported as unsupported.
DETECTABLE = ("GERMAN", "ENGLISH", "FRENCH", "SPANISH", "ITALIAN", "DUTCH", "POLISH", "RUSSIAN")


class IngestError(Exception):
    """One input cannot be used; the message names the reason (the caller adds the file)."""


class Sidecar(BaseModel):
    """The ``.meta.json`` keys we read; unknown keys are ignored, wrong types are errors."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    publisher: str | None = None
    title: str | None = None
    lang: str | None = None
    published: datetime | date | None = None
    updated: datetime | date | None = None
    authors: tuple[str, ...] = ()
    source_url: str | None = None

    @field_validator("published", "updated", mode="before")
    @classmethod
    def _date_or_datetime(cls, value: Any) -> Any:
        # A bare "2025-03-30" is a date, not midnight: keep the granularity the source gives.
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            return date.fromisoformat(value.strip())
        return value


@dataclass
class Article:
    """One input after ingestion: a Document record, and its text when it is usable."""

    document: Document
    text: str = ""
    boilerplate: tuple[tuple[int, int], ...] = ()
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.document.status is DocStatus.OK


# ---- finding inputs ----------------------------------------------------------------------


def discover(root: Path) -> list[Path]:
    """Every file below ``root`` that is an input, sorted; sidecars and gold files are not."""
    if root.is_file():
        return [root]
    files = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if path.suffix.lower() == ".json":  # sidecars, gold and conflict files travel with articles
            continue
        files.append(path)
    return files


def sanitise_id(raw: str) -> str:
    """A doc_id that is safe as a file name: it can never leave the output folder."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", raw).strip("._-")
    return cleaned[:120] or "doc"


# ---- decoding ----------------------------------------------------------------------------


#: C0 control characters other than tab, line feed, form feed and carriage return: many of them
#: mean a binary file. Counted by a regex, not a Python loop over every character (that loop
#: was a quarter of ingesting an article).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def decode(data: bytes) -> str:
    """Text from bytes: UTF-8 (with or without BOM), else the most plausible legacy encoding."""
    if not data.strip():
        raise IngestError("empty file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:8192]:
        raise IngestError("binary file (contains NUL bytes), not a text article")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "iso8859_15", "utf_16"]).best()
        if best is None:
            raise IngestError("undecodable bytes: neither UTF-8 nor cp1252/latin-1") from None
        text = str(best)
    controls = len(_CONTROLS.findall(text))
    if controls > max(8, len(text) // 100):
        raise IngestError("binary file (control characters), not a text article")
    return text


# ---- markup to plain text -----------------------------------------------------------------

_BLOCK_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "figcaption", "pre", "td")
_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "form", "button")
_CHROME_TAGS = ("nav", "header", "footer", "aside")


@dataclass
class HtmlMeta:
    title: str | None = None
    lang: str | None = None
    published: str | None = None


def html_to_text(html: str) -> tuple[str, HtmlMeta]:
    """The article's text, one block per paragraph, with what the page says about itself."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    meta = HtmlMeta()
    if soup.title and soup.title.string:
        meta.title = soup.title.string.strip()
    if soup.html is not None and soup.html.get("lang"):
        meta.lang = str(soup.html.get("lang")).split("-")[0].lower()
    for key in ("article:published_time", "datePublished", "date", "pubdate"):
        tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
        if tag is not None and tag.get("content"):
            meta.published = str(tag.get("content"))
            break
    if meta.published is None:
        time_tag = soup.find("time", attrs={"datetime": True})
        if time_tag is not None:
            meta.published = str(time_tag.get("datetime"))
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    for tag in root.find_all(_CHROME_TAGS):
        tag.decompose()
    blocks: list[str] = []
    for tag in root.find_all(_BLOCK_TAGS):
        if tag.find(_BLOCK_TAGS):  # a container of blocks: its children speak for it
            continue
        text = re.sub(r"\s+", " ", tag.get_text(" ", strip=True)).strip()
        if text:
            blocks.append(text)
    if not blocks:
        blocks = [line for line in (s.strip() for s in root.get_text("\n").splitlines()) if line]
    return "\n\n".join(blocks), meta


def markdown_to_text(source: str) -> str:
    """Markdown rendered by markdown-it (a CommonMark parser), then read as HTML."""
    from markdown_it import MarkdownIt

    return html_to_text(MarkdownIt("commonmark").render(source))[0]


def normalise_text(text: str) -> str:
    """Unix newlines, no trailing spaces; characters are otherwise kept as written."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n") + "\n"


# ---- boilerplate ---------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _boilerplate_patterns(lang: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (row["kind"], re.compile(row["pattern"], re.IGNORECASE))
        for row in load_tsv(lang_file(lang, "boilerplate.tsv"))
    )


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    for match in re.finditer(r"[^\n]+", text):
        yield match.start(), match.end()


def find_boilerplate(text: str, lang: str) -> tuple[tuple[int, int], ...]:
    """Character ranges of newsletter/advert/link-list lines that no stage may extract from."""
    patterns = _boilerplate_patterns(lang if lang in SUPPORTED_LANGS else "de")
    ranges: list[tuple[int, int]] = []
    in_link_list = False
    for start, end in _paragraphs(text):
        line = text[start:end].strip()
        hit = next((kind for kind, rx in patterns if rx.match(line)), None)
        if hit is not None:
            ranges.append((start, end))
            in_link_list = hit == "header"
        elif in_link_list and len(line) < 100 and not re.search(r"[.!?:]\W*$", line):
            ranges.append((start, end))  # a headline in a "Mehr zum Thema" link list
        else:
            in_link_list = False
    return tuple(ranges)


# ---- language and dateline -------------------------------------------------------------------


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in DETECTABLE]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language (lingua), or None when it cannot tell."""
    found = _detector().detect_language_of(text[:5000])
    return None if found is None else str(found.iso_code_639_1.name).lower()


def find_dateline(text: str, lang: str) -> date | datetime | None:
    """Publication date from a dateline near the top ("10.04.2024 - 10:42 Uhr", "April 10, 2024")."""
    from .dates import find_dates

    head = text[:600]
    for mention in find_dates(head, lang, None):
        if mention.value is None or mention.granularity is None:
            continue
        if mention.granularity.value == "minute":
            return datetime.fromisoformat(mention.value)
        if mention.granularity.value == "day":
            return date.fromisoformat(mention.value)
    return None


# ---- one file --------------------------------------------------------------------------------


def read_sidecar(path: Path) -> Sidecar | None:
    sidecar = path.with_name(path.stem + ".meta.json")
    if not sidecar.exists():
        return None
    try:
        raw = json.loads(sidecar.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngestError(f"{sidecar.name}: malformed JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise IngestError(f"{sidecar.name}: expected a JSON object, got {type(raw).__name__}")
    try:
        return Sidecar.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise IngestError(f"{sidecar.name}: {problems}") from exc


def _parse_when(value: str | None) -> date | datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def ingest_file(path: Path, root: Path, lang_hint: str | None = None, max_bytes: int = MAX_BYTES) -> Article:
    """One input file as an Article; problems become a failed Document, never an exception."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _failed(path.stem, source, None, f"cannot read file: {exc.strerror or exc}")
    digest = hashlib.sha256(data).hexdigest()
    doc_id = sanitise_id(path.stem)
    try:
        if path.suffix.lower() not in ARTICLE_SUFFIXES:
            raise IngestError(f"unsupported file type '{path.suffix or '(none)'}' (use .txt, .md, .html)")
        if len(data) > max_bytes:
            raise IngestError(
                f"file is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; split it"
            )
        sidecar = read_sidecar(path)
        if sidecar is not None and sidecar.id:
            doc_id = sanitise_id(sidecar.id)
        raw_text = decode(data)
        page = HtmlMeta()
        if path.suffix.lower() in (".html", ".htm"):
            raw_text, page = html_to_text(raw_text)
        elif path.suffix.lower() == ".md":
            raw_text = markdown_to_text(raw_text)
        text = normalise_text(raw_text)
        if not text.strip():
            raise IngestError("no article text after removing markup")
        warnings: list[str] = []
        lang = (sidecar.lang if sidecar else None) or page.lang or lang_hint
        if lang is None:
            lang = detect_language(text)
            if lang is None:
                raise IngestError("unknown language: the detector could not tell")
        lang = lang.lower().split("-")[0]
        if lang not in SUPPORTED_LANGS:
            raise IngestError(f"unsupported language '{lang}' (supported: de, en)")
        published = sidecar.published if sidecar else None
        published = published or _parse_when(page.published)
        if published is None:
            published = find_dateline(text, lang)
            if published is None:
                warnings.append("no publication date: relative dates stay unresolved")
        document = Document(
            doc_id=doc_id,
            source_path=source,
            lang=Lang(lang),
            published=published,
            updated=sidecar.updated if sidecar else None,
            publisher=sidecar.publisher if sidecar else None,
            title=(sidecar.title if sidecar else None) or page.title,
            authors=sidecar.authors if sidecar else (),
            source_url=sidecar.source_url if sidecar else None,
            warnings=tuple(warnings),
            sha256=digest,
        )
        return Article(document, text, find_boilerplate(text, lang), warnings)
    except IngestError as exc:
        return _failed(doc_id, source, digest, str(exc))


def _failed(doc_id: str, source: str, digest: str | None, reason: str) -> Article:
    document = Document(
        doc_id=doc_id,
        source_path=source,
        status=DocStatus.FAILED,
        error=f"{Path(source).name}: {reason}",
        sha256=digest,
    )
    return Article(document)


def ingest(root: Path, lang_hint: str | None = None, max_bytes: int = MAX_BYTES) -> Iterator[Article]:
    """Every input below ``root`` as an Article, in path order; duplicate ids fail the later file."""
    seen: dict[str, str] = {}
    for path in discover(root):
        article = ingest_file(path, root, lang_hint, max_bytes)
        doc_id = article.document.doc_id
        if doc_id in seen:
            duplicates = sum(1 for key in seen if key.startswith(f"{doc_id}__duplicate"))
            article = _failed(
                f"{doc_id}__duplicate{duplicates + 1}",
                article.document.source_path,
                article.document.sha256,
                f"duplicate doc_id '{doc_id}' (already used by {seen[doc_id]})",
            )
        seen[article.document.doc_id] = article.document.source_path
        yield article
