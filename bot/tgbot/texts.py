"""Every fixed string the bot shows, in French and English. All are HTML-safe: values are escaped by callers."""

from __future__ import annotations

from index.language import Language

TEXTS: dict[str, dict[Language, str]] = {
    "start": {
        "fr": (
            "Bonjour ! Je réponds aux questions sur <b>{articles}</b> articles de presse indexés "
            "({chunks} passages), publiés {range}.\n\n"
            "Posez votre question en toutes lettres : chaque réponse cite ses sources [1], [2]… "
            "avec le média et la date. /help pour les commandes."
        ),
        "en": (
            "Hello! I answer questions about <b>{articles}</b> indexed press articles "
            "({chunks} passages), published {range}.\n\n"
            "Type your question: every answer cites its sources [1], [2]… "
            "with outlet and date. /help for the commands."
        ),
    },
    "range": {"fr": "entre {start} et {end}", "en": "between {start} and {end}"},
    "range_unknown": {"fr": "à des dates non précisées", "en": "on unstated dates"},
    "range_undated": {
        "fr": " ({undated} non datés)",
        "en": " ({undated} undated)",
    },
    "start_empty": {
        "fr": "Bonjour ! Aucun article n'est encore indexé : un administrateur peut lancer /reindex.",
        "en": "Hello! No article is indexed yet: an administrator can run /reindex.",
    },
    "help": {
        "fr": (
            "<b>Comment m'utiliser</b>\n"
            "Écrivez une question (en français ou en anglais) ; je réponds à partir des articles "
            "indexés, en citant mes sources. Les questions de suivi (« Et pour … ? ») tiennent compte "
            "de la conversation.\n\n"
            "/start – ce que couvrent les articles\n"
            "/sources – passages cités par la dernière réponse\n"
            "/articles – liste des articles indexés\n"
            "/latest [sujet] – quoi de neuf (les derniers articles)\n"
            "/reset – oublier la conversation\n"
            "/reindex – réindexer les articles (administrateurs)\n\n"
            "Dans un groupe, mentionnez-moi ({mention}) ou répondez à l'un de mes messages. "
            "Un message modifié est traité comme une nouvelle question."
        ),
        "en": (
            "<b>How to use me</b>\n"
            "Type a question (in French or English); I answer from the indexed articles and cite "
            "my sources. Follow-up questions (\"And for …?\") take the conversation into account.\n\n"
            "/start – what the articles cover\n"
            "/sources – passages cited by the last answer\n"
            "/articles – list of indexed articles\n"
            "/latest [topic] – what's new (the latest articles)\n"
            "/reset – forget the conversation\n"
            "/reindex – re-index the articles (administrators)\n\n"
            "In a group, mention me ({mention}) or reply to one of my messages. "
            "An edited message is treated as a new question."
        ),
    },
    "reset": {
        "fr": "C'est noté : j'ai oublié notre conversation. Posez une nouvelle question.",
        "en": "Done: I have forgotten our conversation. Ask a new question.",
    },
    "no_last_answer": {
        "fr": "Il n'y a pas encore de réponse dont afficher les sources : posez d'abord une question.",
        "en": "There is no answer to show sources for yet: ask a question first.",
    },
    "no_sources": {
        "fr": "La dernière réponse ne cite aucune source : les articles ne couvraient pas la question.",
        "en": "The last answer cites no source: the articles did not cover the question.",
    },
    "sources_header": {
        "fr": "<b>Passages cités</b> pour « {question} »",
        "en": "<b>Cited passages</b> for “{question}”",
    },
    "source_gone": {
        "fr": "Cette source n'est plus disponible : reposez la question.",
        "en": "This source is no longer available: ask the question again.",
    },
    "articles_header": {
        "fr": "<b>Articles indexés</b> ({total}) — page {page}/{pages}",
        "en": "<b>Indexed articles</b> ({total}) — page {page}/{pages}",
    },
    "articles_empty": {
        "fr": "Aucun article n'est indexé.",
        "en": "No article is indexed.",
    },
    "previous": {"fr": "« Précédents", "en": "« Previous"},
    "next": {"fr": "Suivants »", "en": "Next »"},
    "not_allowed": {
        "fr": "Désolé, ce bot est réservé à certaines conversations et n'est pas ouvert ici.",
        "en": "Sorry, this bot is restricted to certain chats and is not available here.",
    },
    "not_admin": {
        "fr": "Désolé, seuls les administrateurs du bot peuvent utiliser {command}.",
        "en": "Sorry, only the bot's administrators can use {command}.",
    },
    "reindex_started": {
        "fr": "Réindexation en cours…",
        "en": "Re-indexing…",
    },
    "reindex_running": {
        "fr": "Une réindexation est déjà en cours : patientez un instant.",
        "en": "A re-index is already running: please wait a moment.",
    },
    "reindex_done": {
        "fr": (
            "<b>Réindexation terminée</b> en {seconds} s\n"
            "ajoutés : {added} · modifiés : {updated} · supprimés : {removed} · inchangés : {unchanged}"
            " · ignorés : {skipped}\n"
            "passages calculés : {chunks_embedded}"
        ),
        "en": (
            "<b>Re-index finished</b> in {seconds} s\n"
            "added: {added} · updated: {updated} · removed: {removed} · unchanged: {unchanged}"
            " · skipped: {skipped}\n"
            "passages embedded: {chunks_embedded}"
        ),
    },
    "rate_limited": {
        "fr": "Vous posez beaucoup de questions ! Merci de patienter {seconds} s avant la suivante.",
        "en": "That's a lot of questions! Please wait {seconds} s before the next one.",
    },
    "text_only": {
        "fr": "Je ne comprends que les questions écrites : envoyez votre question sous forme de texte.",
        "en": "I only understand written questions: please send your question as text.",
    },
    "error": {
        "fr": "Désolé, une erreur s'est produite de mon côté. Réessayez dans un instant.",
        "en": "Sorry, something went wrong on my side. Please try again in a moment.",
    },
    "not_indexed": {
        "fr": "Désolé, les articles ne sont pas encore indexés : un administrateur peut lancer /reindex.",
        "en": "Sorry, the articles are not indexed yet: an administrator can run /reindex.",
    },
    # /add (bot/tgbot/sources.py)
    "add_usage": {
        "fr": "Envoyez <code>/add URL</code> : l'adresse d'un article ou d'un flux RSS/Atom (jusqu'à {n}).",
        "en": "Send <code>/add URL</code>: the address of an article or of an RSS/Atom feed (up to {n}).",
    },
    "add_added": {"fr": "Ajouté", "en": "Added"},
    "add_updated": {"fr": "Mis à jour", "en": "Updated"},
    "add_unchanged": {"fr": "Déjà indexé", "en": "Already indexed"},
    "add_duplicate": {"fr": "Doublon (même texte)", "en": "Duplicate (same text)"},
    "add_failed": {"fr": "Échec", "en": "Failed"},
    "add_unknown_outlet": {"fr": "média inconnu", "en": "unknown outlet"},
    "add_more": {"fr": "… et {n} autres.", "en": "… and {n} more."},
    "add_nothing": {"fr": "Aucun article trouvé.", "en": "No article found."},
}

# Shown by Telegram in the command menu; French is the default list, English for `language_code="en"`.
COMMANDS: dict[Language, list[tuple[str, str]]] = {
    "fr": [
        ("start", "Ce que couvrent les articles indexés"),
        ("help", "Comment poser une question"),
        ("sources", "Passages cités par la dernière réponse"),
        ("articles", "Liste des articles indexés"),
        ("latest", "Quoi de neuf ? Les derniers articles, sur un sujet si précisé"),
        ("reset", "Oublier la conversation"),
        ("reindex", "Réindexer les articles (administrateurs)"),
        ("add", "Ajouter un article ou un flux du web (administrateurs)"),
    ],
    "en": [
        ("start", "What the indexed articles cover"),
        ("help", "How to ask a question"),
        ("sources", "Passages cited by the last answer"),
        ("articles", "List the indexed articles"),
        ("latest", "What's new? The latest articles, on a topic if given"),
        ("reset", "Forget the conversation"),
        ("reindex", "Re-index the articles (administrators)"),
        ("add", "Add an article or a feed from the web (administrators)"),
    ],
}


def text(key: str, language: Language, **values: object) -> str:
    """A UI string in the given language, with `{placeholders}` filled (values must already be HTML-safe)."""
    return TEXTS[key][language].format(**values)
