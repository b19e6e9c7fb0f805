"""The web pages people use (server-rendered, Bahasa Indonesia, no CDN)."""
