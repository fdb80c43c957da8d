"""Exceptions as sentences a user can act on."""

from __future__ import annotations

import errno


def describe(error: BaseException) -> str:
    from assistant.audio.devices import AudioDeviceError
    from assistant.audio.files import AudioError
    from assistant.critique.models import ModelUnavailable
    from assistant.speech.tts import TTSUnavailable

    from assistant.errors import ActionableError

    if isinstance(error, AudioDeviceError | TTSUnavailable | ModelUnavailable | AudioError | ActionableError):
        return str(error)  # these already say what to do
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return f"The disk is full ({error.filename or 'data directory'}). Free some space; your answer so far is kept."
    if isinstance(error, PermissionError):
        return f"Viva may not write {error.filename}. Check the data directory in Settings."
    if isinstance(error, KeyError):
        return str(error.args[0]) if error.args else "Not found."
    return f"{type(error).__name__}: {error}. The app keeps running; `viva doctor` checks the set-up."


def toggle_playback(widget, player, attempt):  # -> the player now playing, or None
    """Stop what plays; else play the attempt's recording. Missing or corrupt audio is a
    notice on `widget`, not a crash."""
    if player is not None and player.playing:
        player.stop()
        return None
    if attempt is None:
        return None
    try:
        return widget.app.backend.play(attempt)
    except Exception as exc:
        widget.notify(describe(exc), title="Cannot play", severity="error", markup=False)
        return None
