"""The Telegram front end: a thin adapter from Bot API updates to the core `Engine`.

`bot.tgbot.app.build_application(settings, engine)` wires it; `bot.tgbot.app.run(settings, engine)` runs it.
"""
