"""The Telegram front end of Dépêche: a thin adapter from Bot API updates to the core `Engine`.

`bot.app.build_application(settings, engine)` wires it; `bot.app.run(settings, engine)` runs it.
"""
