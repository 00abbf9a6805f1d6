import subprocess
from dataclasses import replace

from harness.agent.loop import parse_action
from harness.models.sim import (
    ATTEMPT,
    EXPLORE,
    REPRODUCE,
    PrefixCache,
    SimModel,
    malformed_edit,
    wrong_edit,
)
from harness.models.tokens import count_tokens, message_tokens


def conversation(*replies_and_observations):
    messages = [{"role": "system", "content": "rules"}, {"role": "user", "content": "issue"}]
    for i, text in enumerate(replies_and_observations):
        messages.append({"role": "assistant" if i % 2 == 0 else "user", "content": text})
    return messages


def test_token_estimate_is_a_quarter_of_the_bytes():
    assert count_tokens("abcd" * 10) == 10
    assert count_tokens("é") == 1
    assert message_tokens({"role": "user", "content": "abcd"}) == 5


def test_prefix_cache_hits_the_longest_shared_prefix():
    cache = PrefixCache()
    first = conversation("a" * 40, "b" * 40)
    assert cache.usage_for(first) == (0, sum(map(message_tokens, first)))
    longer = first + [{"role": "assistant", "content": "c" * 400}]
    hit, miss = cache.usage_for(longer)
    assert hit == sum(map(message_tokens, first))
    assert miss == message_tokens(longer[-1])
    diverged = conversation("a" * 40, "X" * 40)
    assert cache.usage_for(diverged)[0] == sum(map(message_tokens, diverged[:3]))


def test_same_seed_same_replies_and_other_seeds_differ(calc_task):
    def run(seed):
        model = SimModel(replace(calc_task, difficulty="hard"), "flash", "m", seed)
        history = conversation()
        replies = []
        for _ in range(8):
            completion = model.complete(history)
            replies.append((completion.content, completion.usage))
            history = history + [
                {"role": "assistant", "content": completion.content},
                {"role": "user", "content": "Edit applied; the check command failed (exit 1)."},
            ]
        return replies

    assert run(1) == run(1)
    assert any(run(seed) != run(1) for seed in range(2, 6))


def test_the_simulated_model_follows_the_protocol(calc_task):
    model = SimModel(calc_task, "flash", "m", 0)
    first = model.complete(conversation()).content
    assert first.startswith(EXPLORE) and parse_action(first).kind == "command"
    second = model.complete(conversation(first, "Exit code 0.")).content
    assert second.startswith(REPRODUCE)
    assert parse_action(second).body.strip() == calc_task.test_patch.strip()
    third = model.complete(
        conversation(
            first, "Exit code 0.", second, "Edit applied; the check command failed (exit 1)."
        )
    ).content
    assert third.startswith(ATTEMPT)


def test_a_fresh_tier_pays_cache_miss_for_the_whole_context(calc_task):
    flash = SimModel(calc_task, "flash", "f", 0)
    pro = SimModel(calc_task, "pro", "p", 0)
    history = conversation("x" * 400, "y" * 4000)
    flash.complete(history[:-1])
    warm = flash.complete(history).usage
    cold = pro.complete(history).usage
    assert warm.cache_hit > 0 and cold.cache_hit == 0
    assert cold.cache_miss == warm.cache_hit + warm.cache_miss


def git(repo, *args, **kw):
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, **kw)


def test_wrong_edit_applies_but_does_not_fix(calc_task, tmp_path):
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(calc_task.repo_path), str(repo)], check=True)
    edit = wrong_edit(calc_task.patch)
    assert git(repo, "apply", "--check", input=edit).returncode == 0
    assert git(repo, "apply", input=edit).returncode == 0
    changed = git(repo, "diff").stdout
    assert "+    # Guard against the reported edge case." in changed
    assert "(ordered[middle - 1] + ordered[middle]) / 2" not in changed


def test_malformed_edit_does_not_apply(calc_task, tmp_path):
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(calc_task.repo_path), str(repo)], check=True)
    assert git(repo, "apply", "--check", input=calc_task.patch).returncode == 0
    assert git(repo, "apply", "--check", input=malformed_edit(calc_task.patch)).returncode != 0
