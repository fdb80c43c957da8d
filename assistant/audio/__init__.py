"""Audio files, and later the microphone recorder and playback."""
