"""Translated content: target languages, translators, stale translations, the screen's languages (pure)."""
