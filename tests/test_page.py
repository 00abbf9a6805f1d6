"""The HTML report in a real headless browser (Debian's chromium, driven by chromedriver):
sorting, filtering, and each task's own page with its trajectory."""

import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import Select

from harness.cli import main
from harness.pricing import Usage
from harness.results import ModelCall, ResultStore, Trajectory, Turn, Verdict

from .helpers import ROOT, full_row

pytestmark = pytest.mark.browser

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FAILED_EDIT = (
    "THOUGHT: guess\n\n```diff\n--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n```"
)
GOOD_EDIT = (
    "THOUGHT: fix\n\n```diff\n--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-x = 1\n+x = 3\n```"
)


@pytest.fixture(scope="module")
def browser():
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    assert not missing, f"{' and '.join(missing)} missing: ./setup.sh installs them"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def trajectory_of(instance_id):
    usage = Usage(cache_hit=100, cache_miss=900, output=50)
    return Trajectory(
        instance_id=instance_id,
        calls=[
            ModelCall(
                turn=0, tier="flash", model="f", reason="default", usage=usage, cost_usd=0.0002
            ),
            ModelCall(
                turn=0,
                tier="pro",
                model="p",
                reason="tests_red",
                usage=usage,
                cost_usd=0.0011,
                usage_source="estimated",
                usage_note="the response carries no usage; estimated from the request and reply",
                reasoning_content="flash set x to 2; the test wants 3",
            ),
        ],
        turns=[
            Turn(
                index=0,
                tier="pro",
                reason="tests_red",
                action="edit",
                outcome="ok",
                observation="Edit applied; the check command passed.",
                reply=GOOD_EDIT,
                escalated_from="tests_red",
                failed_reply=FAILED_EDIT,
                failed_observation="Edit applied; the check command failed (exit 1).",
            )
        ],
        exit_reason="submitted",
        policy="cascade",
        verdict=Verdict(status="resolved"),
    )


@pytest.fixture(scope="module")
def page(tmp_path_factory, browser):
    folder = tmp_path_factory.mktemp("page")
    store = ResultStore(folder / "run.jsonl")
    path = store.write_trajectory(trajectory_of("acme__calc-1"))
    rows = [
        full_row("acme__calc-1", "resolved", 0.0013, trajectory=path),
        full_row("acme__calc-2", "error", 0.0004, run_id="r1"),
        full_row("acme__calc-2", "unresolved", 0.0031, run_id="r2"),
        full_row("acme__calc-3", "resolved", 0.0022),
        full_row("acme__calc-1", "resolved", 0.0009, policy="flash"),
        full_row("acme__calc-2", "unresolved", 0.0005, policy="flash"),
    ]
    for row in rows:
        store.append(row)
    html = folder / "report.html"
    assert main(["report", str(store.path), "--html", str(html), "--resamples", "200"]) == 0
    browser.get(html.as_uri())
    return browser


def visible_rows(driver):
    return [
        row for row in driver.find_elements("css selector", "#tasks tbody tr") if row.is_displayed()
    ]


def column(driver, index):
    return [row.find_elements("tag name", "td")[index].text for row in visible_rows(driver)]


def header(driver, name):
    return next(
        th
        for th in driver.find_elements("css selector", "#tasks thead th")
        if th.text.startswith(name)
    )


def reset(driver):
    driver.execute_script("location.hash = ''")
    search = driver.find_element("id", "filter")
    search.clear()
    for select in ("status-filter", "group-filter"):
        driver.execute_script(f"document.getElementById('{select}').value = ''")
    search.send_keys(" ")  # fires the input event: filters re-applied
    search.clear()
    driver.execute_script("document.getElementById('filter').dispatchEvent(new Event('input'))")


def test_the_page_loads_nothing_from_elsewhere(page):
    assert page.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert len(visible_rows(page)) == 6
    assert page.find_element("id", "shown").text == "6 of 6 tasks shown"
    assert "replaced" in page.find_element("css selector", "tr.replaced").text


def test_clicking_a_column_sorts_by_its_numbers_both_ways(page):
    reset(page)
    cost = header(page, "cost")
    cost.click()
    assert column(page, 7) == [
        "$0.0004000",
        "$0.0005000",
        "$0.0009000",
        "$0.001300",
        "$0.002200",
        "$0.003100",
    ]
    assert cost.get_attribute("aria-sort") == "ascending"
    cost.click()
    assert column(page, 7)[0] == "$0.003100"
    header(page, "instance_id").click()
    assert column(page, 1) == sorted(column(page, 1))


def test_filters_narrow_the_table(page):
    reset(page)
    search = page.find_element("id", "filter")
    search.send_keys("calc-2")
    assert set(column(page, 1)) == {"acme__calc-2"} and len(visible_rows(page)) == 3
    assert page.find_element("id", "shown").text == "3 of 6 tasks shown"
    search.clear()
    search.send_keys(" ")
    search.clear()
    page.execute_script("document.getElementById('filter').dispatchEvent(new Event('input'))")
    Select(page.find_element("id", "status-filter")).select_by_value("resolved")
    assert set(column(page, 3)) == {"resolved"} and len(visible_rows(page)) == 3
    Select(page.find_element("id", "group-filter")).select_by_value("flash*")
    assert column(page, 1) == ["acme__calc-1"]


def test_a_task_link_opens_its_trajectory_page_and_back(page, tmp_path):
    reset(page)
    page.find_element("link text", "acme__calc-1").click()
    assert not page.find_element("id", "main").is_displayed()
    section = next(s for s in page.find_elements("css selector", ".task-page") if s.is_displayed())
    text = section.text
    assert "acme__calc-1" in text and "status resolved" in text
    assert "escalated after tests_red" in text
    assert "The default tier's failed attempt:" in text and "+x = 2" in text and "+x = 3" in text
    assert "the check command failed (exit 1)" in text
    added = [span.text for span in section.find_elements("css selector", "pre.reply span.add")]
    assert added == ["+x = 3"]
    # the reasoning behind the re-run, folded under its call; its usage marked as estimated
    assert "usage estimated" in text and "~$0.001100" in text
    [fold] = section.find_elements("css selector", "ul.calls details")
    fold.find_element("tag name", "summary").click()
    assert "flash set x to 2; the test wants 3" in fold.text
    page.save_screenshot(str(tmp_path / "task.png"))
    section.find_element("link text", "← all tasks").click()
    assert page.find_element("id", "main").is_displayed()
    assert not any(s.is_displayed() for s in page.find_elements("css selector", ".task-page"))


def test_a_task_without_its_trajectory_says_so(page):
    reset(page)
    page.find_element("link text", "acme__calc-3").click()
    section = next(s for s in page.find_elements("css selector", ".task-page") if s.is_displayed())
    assert "This row names no trajectory file." in section.text
    assert "Check results" in section.text


@pytest.fixture(scope="module")
def baselines_page(tmp_path_factory, browser):
    """The page of the committed baselines: three policies on the same 40 tasks."""
    html = tmp_path_factory.mktemp("baselines") / "report.html"
    files = [str(ROOT / "results" / f"baseline-{p}.jsonl") for p in ("cascade", "flash", "pro")]
    assert main(["report", *files, "--html", str(html), "--resamples", "300"]) == 0
    browser.get(html.as_uri())
    return browser


def test_the_page_opens_with_the_headline_before_the_tables(baselines_page):
    page = baselines_page
    headline = page.find_element("id", "headline")
    first_table = page.find_element("css selector", "#main table")
    assert headline.location["y"] < first_table.location["y"]
    text = headline.text
    assert (
        "Frontier (cost per resolved task, on the 40 tasks every group ran): flash*, cascade*"
        in text
    )
    assert "cascade* against flash* on 40 paired tasks" in text
    assert "cost per resolved task 2.05x (95% CI" in text and "p = 0.125, within noise" in text


def test_the_plot_shows_the_oracle_point_and_the_random_routing_line(baselines_page):
    page = baselines_page
    for panel in (1, 2):
        oracle = page.find_element("id", f"oracle-point-{panel}")
        routing = page.find_element("id", f"random-routing-{panel}")
        assert oracle.is_displayed() and routing.is_displayed()
        # the line runs from flash to pro: it has width, and the oracle's star is drawn
        assert routing.size["width"] > 50
        assert oracle.find_elements("css selector", "use, path")
    legend = page.find_element("css selector", ".plot svg").text
    assert "random routing, flash to pro" in legend and "oracle (flash or pro per task)" in legend
