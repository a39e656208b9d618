"""The dashboard Mini App (issue 15), built up in steps. So far: `webapp.auth`, the server-side
check of Telegram's signed initData that every dashboard API call will require."""
