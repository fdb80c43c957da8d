"""`viva doctor`: is everything Viva needs here and working? One small function per check.

Each check gives a `CheckResult`: ok / warn / fail, what it found, and a one-line fix, so the
CLI, the app's first-run wizard and its settings screen show the same diagnosis. `fail` means
something Viva needs is broken (the CLI exits non-zero); `warn` means Viva still works without
it (no speakers: questions are shown; no critique model: feedback comes from the rubric).
A check never raises: an unexpected error becomes its own `fail`.

    ctx = DoctorContext.from_environment()          # or DoctorContext(settings, services=app_services)
    for result in iter_checks(ctx, ["input-device", "input-level", "tts"]):
        ...

Model checks go through `ctx.services`, so models a check loads stay loaded for whoever passed
those services in (the first-run wizard warms them this way). Heavy libraries load only there.
"""

from __future__ import annotations

import shutil  # noqa: F401  (tests patch doctor.shutil.disk_usage)
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from assistant.doctor.base import (  # noqa: F401  (the public API)
    AudioProbe,
    CheckResult,
    DoctorContext,
    Finding,
    SoundDeviceProbe,
    Status,
    _fail,
    readable_config_error,
)
from assistant.doctor.checks import (
    check_asr_model,
    check_bank,
    check_config,
    check_critique_model,
    check_database,
    check_disk,
    check_embedding_model,
    check_input_device,
    check_input_level,
    check_output_device,
    check_tts,
)

# --- running ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    run: Callable[[DoctorContext], Finding]


CHECKS: tuple[Check, ...] = (
    Check("config", "Config file", check_config),
    Check("bank", "Question bank", check_bank),
    Check("database", "Database", check_database),
    Check("disk", "Free disk", check_disk),
    Check("input-device", "Microphone", check_input_device),
    Check("input-level", "Microphone level", check_input_level),
    Check("output-device", "Speakers", check_output_device),
    Check("tts", "Voice", check_tts),
    Check("asr-model", "Speech recognition", check_asr_model),
    Check("embedding-model", "Scoring model", check_embedding_model),
    Check("critique-model", "Critique model", check_critique_model),
)
CHECK_IDS = tuple(c.id for c in CHECKS)


def run_check(check: Check, ctx: DoctorContext) -> CheckResult:
    try:
        finding = check.run(ctx)
    except Exception as exc:  # noqa: BLE001 - the doctor reports; it must not crash on what it diagnoses
        finding = _fail(f"the check itself failed: {type(exc).__name__}: {exc}", "please report this with `viva doctor --json`")
    return CheckResult(check.id, check.title, finding.status, finding.summary, finding.fix, finding.seconds, finding.data)


def iter_checks(ctx: DoctorContext | None = None, ids: Iterable[str] | None = None) -> Iterator[CheckResult]:
    """Run the checks (all, or those ids, in the standard order) and yield each result as it is ready."""
    ctx = ctx or DoctorContext.from_environment()
    wanted = set(ids) if ids is not None else None
    unknown = (wanted or set()) - set(CHECK_IDS)
    if unknown:
        raise ValueError(f"unknown checks {sorted(unknown)}; known: {', '.join(CHECK_IDS)}")
    for check in CHECKS:
        if wanted is None or check.id in wanted:
            yield run_check(check, ctx)


def run_checks(ctx: DoctorContext | None = None, ids: Iterable[str] | None = None) -> list[CheckResult]:
    return list(iter_checks(ctx, ids))


def exit_code(results: Iterable[CheckResult]) -> int:
    """1 when something Viva needs is broken, else 0 (warnings do not count)."""
    return 1 if any(r.status is Status.FAIL for r in results) else 0
