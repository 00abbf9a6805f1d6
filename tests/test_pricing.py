import pytest

from harness import HarnessError
from harness.agent.policy import BUILTIN
from harness.pricing import DEFAULT_TABLE, Price, Usage, cost, load_prices
from harness.runner import RunConfig

from .helpers import check, result_row, run_cli, write_rows


def test_bundled_table_has_the_deepseek_list_prices():
    table = load_prices()
    assert table.version == "deepseek-2026-07"
    assert table.price("deepseek-v4-flash") == Price(
        input_cache_hit=0.0028, input_cache_miss=0.14, output=0.28
    )
    assert table.price("deepseek-v4-pro") == Price(
        input_cache_hit=0.003625, input_cache_miss=0.435, output=0.87
    )


def test_cost_by_hand():
    # pro: 10,000 cached, 2,000 uncached, 500 output (of which 200 reasoning)
    usage = Usage(cache_hit=10_000, cache_miss=2_000, output=500, reasoning=200)
    expected = (10_000 * 0.003625 + 2_000 * 0.435 + 500 * 0.87) / 1_000_000
    assert cost(usage, load_prices().price("deepseek-v4-pro")) == pytest.approx(expected)
    assert expected == pytest.approx(0.00134125)


def test_escalation_pays_cache_miss_prices():
    pro = load_prices().price("deepseek-v4-pro")
    warm = cost(Usage(cache_hit=9_000, cache_miss=1_000, output=100), pro)
    cold = cost(Usage(cache_miss=10_000, output=100), pro)
    assert cold / warm > 4


def test_usage_adds_up():
    assert Usage(1, 2, 3, 1) + Usage(10, 20, 30, 5) == Usage(11, 22, 33, 6)


def test_unknown_model_names_the_table(tmp_path):
    with pytest.raises(HarnessError, match="no price for model 'gpt-x'"):
        load_prices().price("gpt-x")


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "missing key 'version'"),
        ('version = "v1"', "missing key 'models'"),
        ('version = "v1"\n[models.m]\ninput_cache_hit = 1\noutput = 2', "models.m: missing"),
        ("version = ", "cannot read price table"),
    ],
)
def test_bad_tables(tmp_path, text, message):
    path = tmp_path / "prices.toml"
    path.write_text(text)
    with pytest.raises(HarnessError) as caught:
        load_prices(path)
    assert message in str(caught.value)


def test_prices_command_prints_the_table_in_force(tmp_path, capsys):
    from harness.cli import main

    assert main(["prices"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("price table deepseek-2026-07 ")
    assert lines[-2].split() == ["deepseek-v4-flash", "0.0028", "0.14", "0.28"]
    assert lines[-1].split() == ["deepseek-v4-pro", "0.003625", "0.435", "0.87"]
    mine = tmp_path / "mine.toml"
    mine.write_text(
        'version = "mine-1"\n[models."x/y"]\ninput_cache_hit = 0.1\n'
        "input_cache_miss = 1\noutput = 2\n"
    )
    assert main(["prices", "--prices", str(mine)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "mine-1" in lines[0] and lines[-1].split() == ["x/y", "0.1", "1", "2"]
    assert main(["prices", "--prices", str(tmp_path / "none.toml")]) == 2


def test_a_table_is_known_by_its_content_as_well_as_its_version(tmp_path):
    table = load_prices()
    edited, commented = tmp_path / "edited.toml", tmp_path / "commented.toml"
    edited.write_text(DEFAULT_TABLE.read_text().replace("output = 0.28", "output = 0.98"))
    commented.write_text(DEFAULT_TABLE.read_text() + "\n# the same prices\n")
    assert load_prices(edited).version == table.version
    assert load_prices(edited).digest != table.digest
    assert load_prices(commented).digest == table.digest
    identity = RunConfig(policy=BUILTIN["flash"], prices=table).identity("r")
    assert (identity.price_table, identity.price_table_hash) == (table.version, table.digest)


def test_one_version_with_two_contents_is_flagged_by_report_and_refused_by_compare_and_check(
    tmp_path, capsys
):
    def rows(digest):
        return [
            result_row(f"t-{n}", "resolved", 0.01, price_table="v1", price_table_hash=digest)
            for n in range(3)
        ]

    a = write_rows(tmp_path / "a.jsonl", rows("aaaa"))
    b = write_rows(tmp_path / "b.jsonl", rows("bbbb"))
    both = write_rows(tmp_path / "both.jsonl", rows("aaaa")[:2] + rows("bbbb")[2:])
    code, out, _ = run_cli(capsys, "report", both, "--resamples", "100")
    assert code == 0 and "warning: price table v1 has 2 different contents" in out
    for command in (["compare", a, b, "--resamples", "100"], ["compare", both, both]):
        code, out, err = run_cli(capsys, *command)
        assert code == 2 and out == "" and err.count("\n") == 1
        assert "price table v1 has 2 different contents" in err
    code, out, err = check(capsys, a, b)
    assert code == 2 and "costs are not comparable" in err
    # rows of an older harness record no content hash: nothing to tell apart
    old = write_rows(tmp_path / "old.jsonl", rows(""))
    assert run_cli(capsys, "compare", old, a, "--resamples", "100")[0] == 0
