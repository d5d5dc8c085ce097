"""The parameter -> flag table each subcommand's parser records as it is built (messages name flags from it)."""

from __future__ import annotations

import pytest

from auditkit.cli import COMMANDS, build_parser, main


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_of_every_subcommand_is_in_its_table(name):
    import argparse

    parser = build_parser()
    command = parser.commands[name]
    verbs = [a for a in command._subparsers._group_actions if isinstance(a, argparse._SubParsersAction)] \
        if command._subparsers else []
    # a command with verbs of its own (auditkit probes list/show) keeps each verb's table on the verb
    parsers = [v for action in verbs for v in action.choices.values()] or [command]
    for sub in parsers:
        help_text = sub.format_help()
        assert sub.flags, (name, sub.prog)
        for parameter, flag in sub.flags.items():
            assert flag.startswith("--") and flag in help_text, (name, parameter, flag)
        assert "help" not in sub.flags


def test_options_added_to_argument_groups_are_recorded():
    sub = build_parser().commands["audit"]
    assert sub.flags["ray_address"] == "--ray-address"   # the "engine" group
    assert sub.flags["probe_n_boot"] == "--probe-n-boot"  # the "bias probes" group
    assert sub.flags["n_boot"] == "--n-boot"


def test_an_engine_message_names_the_flag(capsys, tmp_path):
    assert main(["audit", "--model", "minilm", "--data", str(tmp_path / "d.csv"), "--out", str(tmp_path / "r"),
                 "--n-boot", "-3"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("auditkit: error: --n-boot must be") and "n_boot" not in err
