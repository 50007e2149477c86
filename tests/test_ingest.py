"""Ingestion: every input accounted for, bad input named with its reason, text and metadata right."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from pipeline.ingest import Article, decode, discover, find_boilerplate, ingest, sanitise_id
from pipeline.records import DocStatus, Lang

DE_TEXT = (
    "Bundeswehr verlegt weitere Soldaten nach Litauen\n\n"
    "Die Bundesregierung will bis 2027 rund 4800 Soldatinnen und Soldaten dauerhaft in Litauen "
    "stationieren. Verteidigungsminister Boris Pistorius sagte am Montag in Vilnius, die Brigade "
    "sei ein Zeichen der Verlässlichkeit gegenüber den Verbündeten an der Ostflanke der NATO.\n"
)
EN_TEXT = (
    "Pentagon weighs troop cuts in South Korea\n\n"
    "The United States keeps about 28,500 troops in South Korea. Defense officials said on Friday "
    "that no decision had been taken and that talks with Seoul would continue next month.\n"
)


def write(folder: Path, name: str, data: str | bytes, meta: dict | str | None = None) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    if meta is not None:
        text = meta if isinstance(meta, str) else json.dumps(meta)
        (folder / f"{path.stem}.meta.json").write_text(text, encoding="utf-8")
    return path


def by_path(folder: Path) -> dict[str, Article]:
    return {Path(a.document.source_path).name: a for a in ingest(folder)}


def test_sidecar_metadata_is_used(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.txt",
        DE_TEXT,
        {
            "id": "bw-litauen",
            "publisher": "Tagesblatt",
            "lang": "de",
            "published": "2025-03-12",
            "authors": ["Anna Berger"],
            "unknown_key": 1,
        },
    )
    (article,) = list(ingest(tmp_path))
    doc = article.document
    assert doc.status is DocStatus.OK
    assert (doc.doc_id, doc.publisher, doc.lang, doc.published, doc.authors) == (
        "bw-litauen",
        "Tagesblatt",
        Lang.DE,
        date(2025, 3, 12),
        ("Anna Berger",),
    )
    assert doc.sha256 and len(doc.sha256) == 64


def test_language_detected_without_sidecar(tmp_path: Path) -> None:
    write(tmp_path, "de.txt", DE_TEXT)
    write(tmp_path, "en.txt", EN_TEXT)
    articles = by_path(tmp_path)
    assert articles["de.txt"].document.lang is Lang.DE
    assert articles["en.txt"].document.lang is Lang.EN
    assert "no publication date" in articles["en.txt"].document.warnings[0]


@pytest.mark.parametrize(
    ("dateline", "expected"),
    [
        ("12.03.2025 - 09:15 Uhr", datetime(2025, 3, 12, 9, 15)),
        ("Erstpublikation: 12.03.2025, 09:15 Uhr", datetime(2025, 3, 12, 9, 15)),
    ],
)
def test_publication_date_from_german_dateline(tmp_path: Path, dateline: str, expected: datetime) -> None:
    write(tmp_path, "a.txt", f"Titel der Meldung\n{dateline}\n\n{DE_TEXT}")
    (article,) = list(ingest(tmp_path))
    assert article.document.published == expected


def test_publication_date_from_english_dateline(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", f"Pentagon weighs troop cuts\nMarch 12, 2025\n\n{EN_TEXT}")
    (article,) = list(ingest(tmp_path))
    assert article.document.published == date(2025, 3, 12)


@pytest.mark.parametrize(
    ("name", "data", "meta", "reason"),
    [
        ("empty.txt", b"", None, "empty file"),
        ("blank.txt", b"  \n\n ", None, "empty file"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, None, "binary file"),
        ("controls.txt", b"GIF89a\x1b\x07\x1a\x0e\x03 Nato \x02\x01\x1f" * 20, None, "control characters"),
        ("bad-meta.txt", DE_TEXT, "{not json", "malformed JSON"),
        ("typed-meta.txt", DE_TEXT, {"published": "last tuesday", "authors": 5}, "typed-meta.meta.json"),
        ("list-meta.txt", DE_TEXT, "[1, 2]", "expected a JSON object"),
        ("french.txt", DE_TEXT, {"lang": "fr"}, "unsupported language 'fr'"),
        ("report.pdf", b"%PDF-1.4 fake", None, "unsupported file type '.pdf'"),
    ],
)
def test_bad_input_fails_with_file_and_reason(
    tmp_path: Path, name: str, data: str | bytes, meta: dict | str | None, reason: str
) -> None:
    write(tmp_path, "good.txt", DE_TEXT)
    write(tmp_path, name, data, meta)
    articles = by_path(tmp_path)
    assert articles["good.txt"].document.status is DocStatus.OK
    bad = articles[name].document
    assert bad.status is DocStatus.FAILED
    assert bad.error is not None and bad.error.startswith(name) and reason in bad.error


def test_a_few_stray_control_characters_do_not_make_a_text_binary(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", DE_TEXT.replace(" ", "\x0b", 3) + "\x1a\f\t\r\n")
    (article,) = list(ingest(tmp_path))
    assert article.document.status is DocStatus.OK


def test_undetectable_language_is_an_error(tmp_path: Path) -> None:
    write(
        tmp_path,
        "fr.txt",
        "Le ministre de la Défense a annoncé hier une hausse du budget militaire de la France.",
    )
    (article,) = list(ingest(tmp_path))
    assert article.document.status is DocStatus.FAILED
    assert "unsupported language 'fr'" in (article.document.error or "")


def test_huge_file_is_refused_with_size(tmp_path: Path) -> None:
    write(tmp_path, "huge.txt", DE_TEXT * 10)
    (article,) = list(ingest(tmp_path, max_bytes=1000))
    assert article.document.status is DocStatus.FAILED
    assert "over the" in (article.document.error or "") and "MB" in (article.document.error or "")


def test_duplicate_doc_ids_fail_the_later_file(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write(tmp_path / "a", "meldung.txt", DE_TEXT)
    write(tmp_path / "b", "meldung.txt", DE_TEXT)
    first, second = list(ingest(tmp_path))
    assert first.document.status is DocStatus.OK and first.document.doc_id == "meldung"
    assert second.document.status is DocStatus.FAILED
    assert "duplicate doc_id 'meldung'" in (second.document.error or "")
    assert second.document.doc_id != first.document.doc_id


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "etc_passwd"),
        ("/abs/path", "abs_path"),
        ("..", "doc"),
        ("ok-id_1.2", "ok-id_1.2"),
    ],
)
def test_doc_ids_cannot_escape_the_output_folder(raw: str, expected: str) -> None:
    assert sanitise_id(raw) == expected


def test_sidecar_id_is_sanitised(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", DE_TEXT, {"id": "../../outside"})
    (article,) = list(ingest(tmp_path))
    assert article.document.doc_id == "outside"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Verteidigungsausgaben für Übungen".encode(), "Verteidigungsausgaben für Übungen"),
        (b"\xef\xbb\xbf" + "Größere Übungen".encode(), "Größere Übungen"),
        ("Größere Übungen – 5 €".encode("cp1252"), "Größere Übungen – 5 €"),
    ],
)
def test_encodings(data: bytes, expected: str) -> None:
    assert decode(data) == expected


def test_html_is_reduced_to_article_text(tmp_path: Path) -> None:
    html = """<!doctype html><html lang="de"><head><title>Polen bestellt Panzer</title>
    <meta property="article:published_time" content="2025-02-03T08:00:00+01:00">
    <script>var tracking = "Soldaten 99999";</script></head><body>
    <nav><a href="/">Startseite</a> <a href="/politik">Politik</a></nav>
    <article><h1>Polen bestellt weitere Panzer</h1>
    <p>Polen hat 180 Kampfpanzer vom Typ K2 in Südkorea bestellt.</p>
    <p>Die Lieferung soll <b>2026</b> beginnen.</p></article>
    <footer>© Verlag 2025</footer></body></html>"""
    write(tmp_path, "seite.html", html)
    (article,) = list(ingest(tmp_path))
    doc = article.document
    assert doc.status is DocStatus.OK, doc.error
    assert doc.lang is Lang.DE and doc.title == "Polen bestellt Panzer"
    assert doc.published == datetime.fromisoformat("2025-02-03T08:00:00+01:00")
    assert "Polen hat 180 Kampfpanzer vom Typ K2 in Südkorea bestellt." in article.text
    assert "Die Lieferung soll 2026 beginnen." in article.text
    assert (
        "tracking" not in article.text and "Startseite" not in article.text and "Verlag" not in article.text
    )


def test_markdown_is_reduced_to_text(tmp_path: Path) -> None:
    write(
        tmp_path,
        "notiz.md",
        "# Neue Fregatten\n\nDie **Marine** erhält [vier Fregatten](https://x.example) bis 2030.\n",
    )
    (article,) = list(ingest(tmp_path, lang_hint="de"))
    assert article.text == "Neue Fregatten\n\nDie Marine erhält vier Fregatten bis 2030.\n"


def test_boilerplate_blocks_and_link_lists_are_marked() -> None:
    text = (
        "Die Bundeswehr schickt 500 Soldaten nach Litauen.\n\n"
        "Mehr zum Thema\nNATO stärkt die Ostflanke\nPolen kauft Panzer\n\n"
        "Jetzt den Sicherheits-Newsletter abonnieren und 1000 Euro sparen.\n\n"
        "Der Minister sagte, die Lage sei ernst.\n"
    )
    marked = [text[s:e] for s, e in find_boilerplate(text, "de")]
    assert marked == [
        "Mehr zum Thema",
        "NATO stärkt die Ostflanke",
        "Polen kauft Panzer",
        "Jetzt den Sicherheits-Newsletter abonnieren und 1000 Euro sparen.",
    ]


def test_discover_skips_sidecars_gold_and_hidden_files(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", DE_TEXT, {"lang": "de"})
    (tmp_path / "a.gold.json").write_text("{}")
    (tmp_path / ".gitkeep").write_text("")
    assert [p.name for p in discover(tmp_path)] == ["a.txt"]
