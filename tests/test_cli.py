import pytest

from napari_maliang import cli


def test_help_lists_demo(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    assert "demo" in capsys.readouterr().out


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 0
    assert "usage: maliang" in capsys.readouterr().out


def test_every_registered_command_has_a_handler():
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    assert "demo" in subparsers.choices
    for name, sub in subparsers.choices.items():
        assert callable(sub.get_default("func")), name
