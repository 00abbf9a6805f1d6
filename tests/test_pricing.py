import pytest

from harness import HarnessError
from harness.pricing import Price, Usage, cost, load_prices


def test_bundled_table_has_the_deepseek_list_prices():
    table = load_prices()
    assert table.version == "deepseek-2026-07"
    assert table.price("deepseek-v4-flash") == Price(0.0028, 0.14, 0.28)
    assert table.price("deepseek-v4-pro") == Price(0.003625, 0.435, 0.87)


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


@pytest.mark.parametrize("text, message", [
    ("", "missing string key 'version'"),
    ('version = "v1"', "no [models.NAME] tables"),
    ('version = "v1"\n[models.m]\ninput_cache_hit = 1\noutput = 2', "models.m: missing"),
    ("version = ", "cannot read price table"),
])
def test_bad_tables(tmp_path, text, message):
    path = tmp_path / "prices.toml"
    path.write_text(text)
    with pytest.raises(HarnessError) as caught:
        load_prices(path)
    assert message in str(caught.value)
