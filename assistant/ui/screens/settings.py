"""Settings: devices (with a level test), voice, speech recognition, critique model, data
directory. Saved to the config file (`viva config path`), validated before writing."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from assistant.ui.widgets.level_meter import LevelMeter

# (setting, label, choices or None for free text, placeholder)
FIELDS: list[tuple[str, str, list[str] | None, str]] = [
    ("input_device", "Microphone", None, "system default"),
    ("output_device", "Speakers", None, "system default"),
    ("tts_engine", "Question voice", ["piper", "espeak", "none"], ""),
    ("tts_voice", "Voice model/name", None, "bundled en_US-joe-medium"),
    ("tts_rate", "Voice speed", None, "1.0"),
    ("asr_engine", "Speech recognition", ["faster-whisper", "openai-whisper"], ""),
    ("asr_model", "ASR model", None, "bundled tiny.en"),
    ("llm_engine", "Critique engine", ["auto", "llama-cpp", "transformers", "openai", "none"], ""),
    ("llm_model", "Critique model", None, "bundled Qwen2.5-0.5B"),
    ("llm_base_url", "Server URL", None, "http://127.0.0.1:11434/v1"),
    ("data_dir", "Data directory", None, ""),
]
_NUMBERS = {"tts_rate": float}


def form_changes(current: dict[str, object], entered: dict[str, str]) -> dict[str, object]:
    """The settings the user changed: blank text means "back to the default" (None)."""
    changes: dict[str, object] = {}
    for key, text in entered.items():
        value: object = text.strip() or None
        if value is not None and key in _NUMBERS:
            value = _NUMBERS[key](value)
        old = current.get(key)
        if (str(old) if old is not None else None) != (str(value) if value is not None else None):
            changes[key] = value
    return changes


class SettingsScreen(Screen):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("l", "level_test", "Level test"),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def compose(self) -> ComposeResult:
        settings = self.app.services.settings
        yield Header()
        with VerticalScroll(id="settings-form"):
            for key, label, choices, placeholder in FIELDS:
                value = getattr(settings, key)
                with Horizontal(classes="field"):
                    yield Label(label, classes="field-label")
                    if choices is not None:
                        yield Select([(c, c) for c in choices], value=value, allow_blank=False, id=key, compact=True)
                    else:
                        yield Input(str(value) if value is not None else "", placeholder=placeholder, id=key,
                                    compact=True)
            with Horizontal(classes="field"):
                yield Button("Test microphone (3 s)", id="level-test", compact=True)
                yield LevelMeter(id="meter")
            yield Static(id="devices", classes="hint")
            with Horizontal(classes="field"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Run the first-time setup again", id="first-run", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        from assistant.config import config_file

        self.sub_title = f"Settings · {config_file()}"
        self.list_devices()

    @work(thread=True, group="devices", exit_on_error=False)
    def list_devices(self) -> None:
        from assistant.audio.devices import AudioDeviceError, list_devices

        try:
            devices = list_devices()
            lines = [f"{d.index}: {d.name} ({'in' if d.max_input_channels else ''}"
                     f"{'/' if d.max_input_channels and d.max_output_channels else ''}"
                     f"{'out' if d.max_output_channels else ''})" for d in devices]
            text = "Devices (type an index or part of a name):\n" + "\n".join(lines)
        except AudioDeviceError as exc:
            text = str(exc)
        self.app.call_from_thread(self.query_one("#devices", Static).update, text)

    def entered(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for key, _, choices, _ in FIELDS:
            widget = self.query_one(f"#{key}", Select if choices is not None else Input)
            values[key] = str(widget.value)
        return values

    def action_save(self) -> None:
        from pydantic import ValidationError

        from assistant.config import save_settings

        settings = self.app.services.settings
        try:
            changes = form_changes(settings.model_dump(), self.entered())
            if not changes:
                self.notify("Nothing changed.", timeout=3, markup=False)
                return
            path = save_settings(changes)
        except (ValidationError, ValueError) as exc:
            self.notify(readable_validation_error(exc), title="Not saved", severity="error", timeout=15, markup=False)
            return
        except OSError as exc:
            from assistant.ui.errors import describe

            self.notify(describe(exc), title="Not saved", severity="error", timeout=15, markup=False)
            return
        self.app.reload_settings()
        self.notify(f"Saved {', '.join(changes)} to {path}.", title="Settings saved", markup=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        elif event.button.id == "level-test":
            self.action_level_test()
        elif event.button.id == "first-run":
            from assistant.ui.screens.first_run import FirstRunScreen

            self.app.push_screen(FirstRunScreen())

    def action_level_test(self) -> None:
        self.level_test(self.query_one("#input_device", Input).value.strip() or None)

    @work(thread=True, exclusive=True, group="level-test", exit_on_error=False)
    def level_test(self, device: str | None) -> None:
        meter = self.query_one("#meter", LevelMeter)

        def show(level: float) -> None:
            self.app.call_from_thread(setattr, meter, "level", level)

        self.app.call_from_thread(self.notify, "Say something…", timeout=3, markup=False)
        peak = self.app.backend.test_microphone(device, 3.0, show, play_back=True)
        verdict = ("The microphone hears you." if peak > 0.01 else
                   "Almost silence: check the microphone is not muted, or pick another device.")
        self.app.call_from_thread(self.notify, f"Loudest level {peak:.3f}. {verdict}", title="Level test", markup=False)


def readable_validation_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors())
    return str(exc)

