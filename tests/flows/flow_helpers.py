"""Checks the two flow tests share."""


def pick_another_class(at, record: dict, classes: list[str]) -> None:
    """On the Bias page, pick a class other than gender's headline: the Gap shown becomes that class's gap."""
    from auditkit_dashboard._views import number

    other = next(c for c in classes if c != record["bias"]["gender"]["headline_class"])
    at.selectbox(key="ak_bias_class").select(other).run()
    assert not at.exception, [e.value for e in at.exception]
    assert {m.label: m.value for m in at.metric}["Gap"] == number(record["bias"]["classes"][other]["gender"]["gap"],
                                                                 signed=True)


def markdown_report(cli, runs, out) -> tuple[str, dict]:
    """``auditkit report`` of run a as Markdown at ``out``: its text and the run's record."""
    import json

    code, _, err = cli("report", runs / "a", "--format", "md", "--out", out)
    assert code == 0, err
    return out.read_text(), json.loads((runs / "a" / "run.json").read_text())
