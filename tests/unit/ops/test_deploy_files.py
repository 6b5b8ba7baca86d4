"""deploy/: compose.yaml is valid YAML whose services hang together, and every command the
compose services and systemd units run is one the CLI accepts (no Docker engine needed)."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import click
import pytest
import yaml

from opendeposit.cli import main

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


def _parses(args: list[str]) -> None:
    """Resolve the command chain and parse its options without running anything."""
    ctx = click.Context(main, info_name="opendeposit")
    command: click.Command = main
    rest = list(args)
    while isinstance(command, click.Group):
        sub = command.get_command(ctx, rest[0])
        assert sub is not None, f"unknown command {rest[0]}"
        name, rest = rest[0], rest[1:]
        if isinstance(sub, click.Group):
            ctx = click.Context(sub, info_name=name, parent=ctx)
        else:
            sub.make_context(name, rest, parent=ctx)
        command = sub


def test_compose_services_hang_together() -> None:
    doc = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = doc["services"]
    assert {"postgres", "rabbitmq", "redis", "api", "relay", "esign", "eod"} <= set(services)
    assert services["esign"]["deploy"]["replicas"] >= 2
    for name, svc in services.items():
        for dep in svc.get("depends_on", {}):
            assert dep in services, f"{name} depends on unknown {dep}"
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            assert source.startswith(".") or source in doc["volumes"], (name, source)
        if svc.get("image") == "opendeposit:latest":
            args = [a.replace("${API_WORKERS:-2}", "2").replace(  # mounted from deploy/
                "/opt/opendeposit/catalog.toml", str(DEPLOY / "catalog.example.toml"))
                for a in svc["command"]]
            _parses(args)
            assert svc["environment"]["OPENDEPOSIT_ENV"] == "production"
    assert (DEPLOY / services["api"]["build"]["dockerfile"].split("/")[-1]).exists()


def _units() -> list[Path]:
    return sorted((DEPLOY / "systemd").glob("*.service"))


@pytest.mark.parametrize("unit", _units(), ids=lambda p: p.name)
def test_systemd_units_run_real_commands(unit: Path) -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(unit)
    argv = shlex.split(parser["Service"]["ExecStart"])
    assert argv[0].endswith("/opendeposit")
    _parses(argv[1:])
    assert parser["Service"]["EnvironmentFile"] == "/etc/opendeposit/opendeposit.env"
    assert parser["Service"]["User"] == "opendeposit"


def test_the_target_wants_every_role_and_the_timer() -> None:
    text = (DEPLOY / "systemd" / "opendeposit.target").read_text()
    for name in ("opendeposit-api.service", "opendeposit-relay.service",
                 "opendeposit-esign@1.service", "opendeposit-eod.timer"):
        assert name in text


def test_a_bad_command_would_be_caught() -> None:
    with pytest.raises(click.UsageError):
        _parses(["serve", "api", "--wokers", "2"])
