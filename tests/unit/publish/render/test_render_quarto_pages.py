"""Quarto's pages made self-contained and accessible (helpers.publish.render.quarto_pages), on
HTML written as Quarto 1.9.38 writes it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers.publish.render.quarto_pages import (
    classic_quarto_js,
    external_requests,
    finish_page,
    finish_pages,
)

HEAD = (
    '<script src="https://cdn.jsdelivr.net/npm/requirejs@2.3.6/require.min.js" '
    'integrity="sha384-x" crossorigin="anonymous"></script>\n'
    '<script src="https://cdn.jsdelivr.net/npm/jquery@3.5.1/dist/jquery.min.js" '
    'integrity="sha384-y" crossorigin="anonymous" data-relocate-top="true"></script>\n'
    "<script type=\"application/javascript\">define('jquery', [],function() "
    "{return window.jQuery;})</script>\n"
)
CALLOUT = (
    '<div class="callout-header d-flex align-content-center collapsed" data-bs-toggle="collapse" '
    'data-bs-target=".callout-2-contents" aria-controls="callout-2" aria-expanded="false" '
    'aria-label="Toggle callout">'
)
OUTPUT = '<div class="cell-output cell-output-display" data-execution_count="4">'


def page(head: str = HEAD, body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def test_widget_scripts_from_the_cdn_are_removed_from_pages_without_widgets() -> None:
    done = finish_page(page(body="<table></table>"))
    assert "jsdelivr" not in done and "define('jquery'" not in done
    assert external_requests(page()) == [
        "https://cdn.jsdelivr.net/npm/requirejs@2.3.6/require.min.js",
        "https://cdn.jsdelivr.net/npm/jquery@3.5.1/dist/jquery.min.js",
    ]
    assert external_requests(done) == []


def test_a_page_with_a_widget_keeps_them_and_is_reported() -> None:
    text = page(body='<script type="application/vnd.jupyter.widget-state+json">{}</script>')
    assert finish_page(text).count("cdn.jsdelivr.net") == 2
    assert len(external_requests(finish_page(text))) == 2


def test_a_collapsible_callout_header_is_a_named_button_the_keyboard_opens() -> None:
    done = finish_page(page(body=CALLOUT + "<div>Title</div></div>"))
    assert 'role="button" tabindex="0">' in done
    assert 'aria-expanded="false"' in done and 'data-bs-target=".callout-2-contents"' in done
    assert "Toggle callout" not in done  # named by its title
    assert done.count("e.key==='Enter'") == 1 and done.index("addEventListener") < done.index(
        "</body>"
    )
    assert finish_page(done) == done  # idempotent: the script is added once


def test_a_notebook_output_can_take_the_focus() -> None:
    done = finish_page(page(head="", body=OUTPUT + "<table></table></div>"))
    assert (
        '<div class="cell-output cell-output-display" data-execution_count="4" tabindex="0" '
        'role="region" aria-label="Output of cell 4">'
    ) in done


def test_requests_to_other_hosts_are_found_but_not_plain_links() -> None:
    html = (
        '<a href="https://example.org/">a link</a>'
        '<link href="https://fonts.googleapis.com/css2?family=X" rel="stylesheet">'
        '<link rel="icon" href="//cdn.example/icon.png">'
        '<img src="figures/a.png" alt="a"><img alt="b" src="https://tracker.example/p.gif">'
        '<link rel="canonical" href="https://example.org/page.html">'
    )
    assert external_requests(html) == [
        "https://tracker.example/p.gif",
        "https://fonts.googleapis.com/css2?family=X",
        "//cdn.example/icon.png",
    ]
    css = '@import"https://fonts.googleapis.com/css2?family=S";a{background:url(img/x.png)}'
    assert external_requests(css, css=True) == ["https://fonts.googleapis.com/css2?family=S"]


def test_finish_pages_rewrites_in_place_and_warns_of_what_is_left(tmp_path: Path) -> None:
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "a.html").write_text(page(body=OUTPUT + "</div>"), encoding="utf-8")
    (tmp_path / "b.html").write_text(
        page(head='<script src="https://cdn.example/x.js"></script>'), encoding="utf-8"
    )
    (tmp_path / "site.css").write_text('@import url("https://fonts.example/f.css");')
    warnings = finish_pages(tmp_path)
    assert "jsdelivr" not in (tmp_path / "nb" / "a.html").read_text(encoding="utf-8")
    assert warnings == [
        "b.html: loads https://cdn.example/x.js from another host (the site must be "
        "self-contained)",
        "site.css: loads https://fonts.example/f.css from another host (the site must be "
        "self-contained)",
    ]
    again = (tmp_path / "nb" / "a.html").read_bytes()
    finish_pages(tmp_path)
    assert (tmp_path / "nb" / "a.html").read_bytes() == again  # a second pass changes nothing


def test_a_skip_link_to_main_comes_first_and_once() -> None:
    html = (
        '<html><body class="nav">\n<nav>menu</nav>'
        '<main class="content" id="quarto-document-content">x</main></body></html>'
    )
    done = finish_page(html)
    assert done.index(
        '<a class="skip-link" href="#quarto-document-content">Skip to main content</a>'
    ) < done.index("<nav>")
    assert finish_page(done) == done
    assert "skip-link" not in finish_page("<html><body><p>no main</p></body></html>")


def test_an_empty_icon_so_that_no_favicon_is_asked_for() -> None:
    done = finish_page("<html><head><title>t</title></head><body></body></html>")
    assert '<link rel="icon" href="data:,">' in done and finish_page(done) == done
    assert external_requests(done) == []


def test_a_markdown_table_scrolls_in_a_named_focusable_region() -> None:
    table = (
        '<table class="caption-top table">\n<caption>Scores &amp; <em>ranks</em></caption>'
        "<tr><td>1</td></tr></table>"
    )
    done = finish_page(f"<html><body><main id='m'>{table}<table class='league-table'></table>")
    assert (
        '<div class="table-wrap" role="region" aria-label="Scores &amp; ranks" tabindex="0">'
        + table
        + "</div>"
    ) in done
    assert "<table class='league-table'></table>" in done  # the league table lays itself out
    assert finish_page(done) == done


# --------------------------------------------------------------------------------------------
# Quarto's page script as a classic script (a site opened from file://)
# --------------------------------------------------------------------------------------------

QUARTO_FILES = Path(__file__).parent / "quarto_1_9_38"


def _quarto_scripts() -> tuple[str, str]:
    return (
        (QUARTO_FILES / "quarto.js").read_text(encoding="utf-8"),
        (QUARTO_FILES / "tabsets.js").read_text(encoding="utf-8"),
    )


def test_quarto_module_becomes_one_classic_script_with_the_tabsets_inside() -> None:
    quarto_js, tabsets_js = _quarto_scripts()
    classic = classic_quarto_js(quarto_js, tabsets_js)
    assert "import " not in classic.split("\n", 3)[2] and not re.search(
        r"^\s*(import|export)\b", classic, re.M
    )
    assert "function init()" in classic and "tabsets.init();" in classic
    assert classic_quarto_js(classic, tabsets_js) == classic  # once only


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_classic_script_parses_where_the_module_does_not(tmp_path: Path) -> None:
    quarto_js, tabsets_js = _quarto_scripts()
    module, classic = tmp_path / "module.cjs", tmp_path / "classic.cjs"
    module.write_text(quarto_js, encoding="utf-8")
    classic.write_text(classic_quarto_js(quarto_js, tabsets_js), encoding="utf-8")
    # node --check reads a .cjs file as a classic (CommonJS) script, as a browser reads
    # <script defer>: the module's import is a syntax error there, the classic script is not
    bad = subprocess.run(["node", "--check", str(module)], capture_output=True, text=True)
    assert bad.returncode != 0 and "import" in bad.stderr
    good = subprocess.run(["node", "--check", str(classic)], capture_output=True, text=True)
    assert good.returncode == 0, good.stderr


def test_an_unknown_quarto_script_is_refused() -> None:
    quarto_js, tabsets_js = _quarto_scripts()
    with pytest.raises(ValueError, match="quarto.js"):
        classic_quarto_js(quarto_js + '\nimport * as x from "./x.js";\n', tabsets_js)
    with pytest.raises(ValueError, match="tabsets.js"):
        classic_quarto_js(quarto_js, tabsets_js + "\nexport function other() {}\n")


def test_pages_load_the_classic_script_and_not_the_modules(tmp_path: Path) -> None:
    quarto_js, tabsets_js = _quarto_scripts()
    libs = tmp_path / "site_libs" / "quarto-html"
    (libs / "tabsets").mkdir(parents=True)
    (libs / "quarto.js").write_text(quarto_js, encoding="utf-8")
    (libs / "tabsets" / "tabsets.js").write_text(tabsets_js, encoding="utf-8")
    head = (
        '<script src="../site_libs/quarto-html/quarto.js" type="module"></script>\n'
        '<script src="../site_libs/quarto-html/tabsets/tabsets.js" type="module"></script>\n'
    )
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "p.html").write_text(page(head=head), encoding="utf-8")
    assert finish_pages(tmp_path) == []
    done = (tmp_path / "a" / "p.html").read_text(encoding="utf-8")
    assert '<script src="../site_libs/quarto-html/quarto.js" defer></script>' in done
    assert 'type="module"' not in done and "tabsets.js" not in done
    assert (libs / "quarto.js").read_text(encoding="utf-8").startswith("/* quarto.js as a")


def test_finishing_never_writes_through_a_hard_link(tmp_path: Path) -> None:
    previous, new = tmp_path / "previous.html", tmp_path / "site" / "p.html"
    previous.write_text(page(), encoding="utf-8")
    new.parent.mkdir()
    os.link(previous, new)  # an unchanged page of an incremental render
    finish_pages(new.parent)
    assert previous.read_text(encoding="utf-8") == page()
    assert new.read_text(encoding="utf-8") != page()
