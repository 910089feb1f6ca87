"""Web boilerplate every article loses, from a saved text file or an extracted page alike.

Share buttons, favourites, reading times, ad breaks and their labels (« Passer la publicité »),
teasers for a video or slide show (« En vidéo, … »), a magazine's shop box, image placeholders ("top-article-image"), logo
lines, photo credits, cookie and consent notices, paywall and subscription pitches, sign-up boxes,
breadcrumbs and comment counters are dropped, in French and English (`classify`, one line at a
time). `strip_blocks`, for extracted pages, also drops date stamps and what only shows as a block: everything after a paywall
notice, a related-articles or comments heading once the article has been read, a list of teasers set off by list
marks after the text, « Lire aussi » lines with the title they announce, inline « (Lire aussi : …) » links, a link's
label asking the reader to click and a label left dangling at the end, and a page's furniture (`is_furniture`: player and
download labels, bylines, editor's notes, buttons, calls to follow, give or write in). Some of them still say who published the text:
a logo line or an agency dateline ("PÉKIN, 5 novembre 2026 (AFP) -") names the outlet; a photo credit names an agency that
is only used when nothing else names one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.text import MONTH_NUMBERS, WEEKDAYS_EN, split_sentences

__all__ = ["LineVerdict", "classify", "dateline", "is_about_heading", "is_ad_blocker_notice", "is_ad_heading", "is_caption", "is_furniture", "is_logo", "is_read_also",
           "strip_blocks", "AGENCIES", "MONTHS"]

AGENCIES = {
    "afp": "AFP", "aa": "AA", "anadolu": "Anadolu", "reuters": "Reuters", "ap": "AP", "ansa": "ANSA",
    "dpa": "DPA", "efe": "EFE", "belga": "Belga", "ats": "ATS", "xinhua": "Xinhua", "tass": "TASS",
    "getty images": "Getty Images", "sputnik": "Sputnik", "epa": "EPA", "maxppp": "MaxPPP",
}  # fmt: skip
# Photo agencies: named in credits, but they did not publish the article.
_PHOTO_ONLY = {"Getty Images", "MaxPPP", "EPA"}
MONTHS = MONTH_NUMBERS

_NETWORKS = r"facebook|twitter|x|whatsapp|linkedin|e-?mail|courriel|messenger|telegram|bluesky|instagram|pinterest|reddit|threads|mastodon|flipboard"
_SHARE = re.compile(
    r"^(?:partager|partagez|partage|share|tweeter|envoyer par (?:e-?mail|courriel)|copier le lien|imprimer|print"
    r"|commenter|réagir|signaler|alerter|s[’']abonner|suivre|envoyer\s+à\s+un\s+ami|lien\s+copié|copié|e-?mail)"
    rf"(?:\s+(?:cet|cette|ce|un|une|sur|par|le|la|l[’']|on|this|via))?\s*(?:article|page|lien|link|{_NETWORKS})?\s*:?$",
    re.IGNORECASE,
)
_SOCIAL = re.compile(rf"^(?:(?:{_NETWORKS}|copier le lien)[\s,|/·•]*){{2,}}$", re.IGNORECASE)
# "Ajouter à mes favoris", "Sauvegarder l'article", "Save", "Bookmark", "Écouter cet article".
_FAVOURITE = re.compile(
    r"^(?:ajouter\s+(?:à|a|aux)\s+(?:mes\s+)?(?:favoris|sélection|liste)|retirer\s+de\s+mes\s+favoris|sauvegarder(?:\s+l[’']article)?"
    r"|enregistrer(?:\s+l[’']article)?|save(?:\s+(?:article|for later))?|bookmark|add to (?:favou?rites|bookmarks)"
    r"|écouter\s+(?:cet|l[’'])\s*article|listen to (?:this )?article|offrir\s+(?:cet|l[’'])\s*article|gift this article)\s*\.?$",
    re.IGNORECASE,
)
# "78 commentaires", "1 commentaire", "Vos réactions (11)", "12 comments".
_COMMENT_COUNT = re.compile(r"^(?:\d+\s+(?:commentaires?|réactions?|comments?)|(?:vos\s+)?réactions?\s*\(\d+\)|voir les \d+ commentaires)$", re.IGNORECASE)
# A cookie or consent notice speaks to the reader about cookies; an article about cookies does not.
_COOKIE = re.compile(r"\bcookies?\b|\btraceurs\b|\btrackers\b", re.IGNORECASE)
_COOKIE_TALK = re.compile(
    r"\b(?:nous|vous|votre|vos|we|you|your|notre site|ce site|this site|our site)\b|en cliquant|paramétr|accepter|refuser"
    r"|politique (?:de|des|relative aux) cookies|cookie (?:policy|settings)|consent|\bdes tiers\b|nos partenaires|autres traceurs|third[- ]part",
    re.IGNORECASE,
)
_CONSENT_BUTTON = re.compile(
    r"^(?:ok\s+)?(?:tout\s+accepter|tout\s+refuser|accepter(?:\s+et\s+fermer|\s+tout)?|refuser(?:\s+tout)?|continuer sans accepter"
    r"|paramétrer(?:\s+mes\s+choix)?|personnaliser|gérer mes (?:choix|préférences)|accept(?: all)?(?: cookies)?|reject all"
    r"|manage (?:cookies|preferences|settings)|j[’']accepte|je refuse"
    # « En savoir plus et gérer ces paramètres. », the link ending Le Monde's cookie notice (held-out-20)
    r"|(?:en\s+savoir\s+plus\s+et\s+)?(?:gérer|modifier|paramétrer)\s+(?:ces|mes|vos|les)\s+(?:paramètres|préférences|choix|cookies))\s*[!.]?$",
    re.IGNORECASE,
)
# Paywall and subscription pitches; `_PAYWALL_END` also ends the article (nothing after it is text).
_PAYWALL_NOTICE = (
    r"(?:pour lire la suite|la suite (?:de cet article )?(?:est )?réservée|il vous reste \d+(?:[.,]\d+)?\s*%|cet article est réservé aux abonnés"
    r"|article réservé aux abonnés|réservé aux abonnés|pour continuer (?:à|a) lire|lisez la suite|poursuivez votre lecture"
    r"|pour poursuivre (?:votre|la) lecture|(?:[\w’'.-]+\s+){0,3}réserve\s+(?:cet\s+article|ce\s+contenu)\s+(?:à\s+)?ses\s+abonnés"
    r"|the rest of this article is for subscribers|to continue reading|subscribe to (?:continue|read)|this article is for subscribers)"
)
_PAYWALL_END = re.compile(rf"^{_PAYWALL_NOTICE}", re.IGNORECASE)
# The paywall cut set inside the last paragraph shown (« …c'est nouveau.<strong>la suite réservée aux
# abonnés</strong></p> »), after a sentence's end, often behind a lock icon's label (« article bloqué »):
# the notice goes, the paragraph's text before it stays, and nothing after it is text.
_PAYWALL_TAIL = re.compile(
    rf"(?<=[.!?…»\"”])\s*(?:(?:article|contenu)\s+(?:bloqué|verrouillé|payant|premium)\s*)?{_PAYWALL_NOTICE}[^.!?]{{0,80}}$",
    re.IGNORECASE,
)
# A lock icon's label glued at a line's end (« Technologies de haut vol (de voitures)article bloqué », the
# headline of a subscriber's article): the icon's text, never the article's.
_LOCK_LABEL = re.compile(r"\s*(?:article|contenu)\s+(?:bloqué|verrouillé)$", re.IGNORECASE)


def without_lock_label(line: str) -> str:
    """A line without a lock icon's label at its end."""
    return _LOCK_LABEL.sub("", line) if line.endswith(("qué", "llé", "QUÉ", "LLÉ")) else line


_PITCH = re.compile(
    r"^(?:abonnez-vous|s[’']abonner|je m[’']abonne|déjà abonné|vous êtes abonné|offre découverte|offre spéciale|profitez de notre offre"
    r"|créez votre compte|créer un compte|connectez-vous|se connecter|ou si vous avez déjà un compte|pour accéder en illimité"
    r"|accès (?:illimité|à tous les articles)|\d+\s*€.*(?:par mois|/mois|le 1er mois|sans engagement)"
    r"|découvrir\s+(?:les|nos)\s+offres|j[’']en\s+profite|\d+\s*€\s+(?:le|les)\s+(?:premier|\d+)"
    r"|subscribe(?: now)?|already a subscriber|sign in|log in|start your (?:free )?trial)\b"
    # A price box's lines, each set apart (« 8€/ mois », « sans engagement », « Offre 100% numérique », « Vous avez
    # déjà un compte abonné? », « Je me connecte »): whole lines only, so « Sans engagement de sa part, le ministre… » stays.
    r"|^(?:\d+(?:[.,]\d+)?\s*€\s*(?:/|par)\s*(?:mois|an|année|semaine)\b.{0,40}|sans\s+engagement|je\s+me\s+connecte"
    r"|offre\s+(?:\d+\s*%\s+)?(?:numérique|digitale|intégrale|papier\s*\+\s*numérique)"
    r"|(?:vous\s+avez\s+)?déjà\s+un\s+compte(?:\s+abonné)?\s*\?\s*(?:je\s+me\s+connecte|connectez-vous|identifiez-vous|se\s+connecter)?)\s*[.!]?$",
    re.IGNORECASE,
)
# Sign-up boxes: newsletters, alerts, forms.
_SIGNUP = re.compile(
    r"^(?:inscrivez-vous|recevez (?:notre|nos|la|les|chaque|tous les|gratuitement)|recevoir (?:les|des|notre|nos) (?:informations|newsletters?|alertes|actualités)"
    r"|(?:abonnez-vous|inscrivez-vous) (?:à|a) (?:notre|la|nos) newsletter|pour rester informé|votre adresse (?:e-?mail|de messagerie)"
    r"|numéro de téléphone|en remplissant ce formulaire|vous pourrez à tout moment vous désabonner|newsletters?\s*:?$"
    r"|sign up (?:for|to)|subscribe to (?:our|the) newsletter|get (?:our|the) newsletter|enter your e-?mail)",
    re.IGNORECASE,
)
# A paragraph that tells the reader how to get a newsletter (« Cet article est paru dans notre
# newsletter « La lettre éco ». Si vous êtes abonné…, vous pouvez vous inscrire à cette lettre… »):
# a newsletter named, and the reader invited to sign up.
_NEWSLETTER = re.compile(r"\bnewsletters?\b|\blettres?\s+(?:d[’']information|quotidienne|hebdomadaire|d[’']actualité)", re.IGNORECASE)
_SIGNUP_INVITE = re.compile(
    r"\bvous\s+pouvez\s+vous\s+(?:y\s+)?(?:inscrire|abonner)|\binscrivez-vous\b|\babonnez-vous\b|\bpour\s+vous\s+(?:y\s+)?(?:inscrire|abonner)"
    r"|\bsign\s+up\b|\bsubscribe\b",
    re.IGNORECASE,
)
_NEWSLETTER_WORDS = 80
# The reader's ad blocker named, and the reader asked to turn it off (« Des liens n'apparaissent pas ? … Votre bloqueur
# de pub vous joue des tours. Pour visualiser tout notre contenu, merci de désactiver votre bloqueur de pub ! »).
_AD_BLOCKER = re.compile(r"\bbloqueurs?\s+de\s+pub(?:licités?)?\b|\bad[\s-]?blockers?\b|\badblock\b", re.IGNORECASE)
_AD_BLOCKER_ASK = re.compile(
    r"\b(?:votre|vos|your)\b|\bd[ée]sactiv|\bdisable|\bwhitelist|\bliste\s+blanche|\bautoris", re.IGNORECASE
)
AD_BLOCKER_NOTICE_WORDS = 60
# A promotion for the print edition (« Découvrez ce mercredi gratuitement la nouvelle Libre chez votre
# libraire! », « Retrouvez l'intégralité de l'entretien dans notre édition papier », "Pick up a copy at
# newsstands"): a call to the reader opening the line, and a place where the paper is sold or read.
# Either alone is text: « Le journal a révélé… », « Découvrez notre galerie… », « médicaments en vente
# libre ». « Chez votre libraire » also sells books (« Disponible chez votre libraire, le roman… »
# opens a review's sentence): it counts after a call in the imperative only.
_WEEKDAYS_FR = r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
# A paper's name as a line writes it: capitalised words (« L’Avenir », « La Meuse Luxembourg », « Le Journal »).
_PAPER_NAME = r"(?-i:[A-ZÀ-ÖØ-Þ])[\w’'.-]*(?:\s+(?-i:[A-ZÀ-ÖØ-Þ])[\w’'.-]*){0,3}"
_PRINT_ORDER = (
    r"découvrez|retrouvez|lisez|relisez|achetez|procurez-vous|commandez|feuilletez|demandez|ne\s+manquez\s+pas"
    r"|read|find|see|pick\s+up|buy|get|grab|don[’']t\s+miss"
)
_PRINT_CALL = re.compile(
    rf"^(?:[-•·▪►>+]+\s*)?(?:(?P<order>{_PRINT_ORDER})"
    r"|(?:plus|toutes?\s+les)\s+(?:d[’']infos?|d[’']informations|de\s+détails|détails|infos?|informations)"
    r"|(?:la\s+suite|l[’']intégralité|le\s+reste|l[’']article\s+complet)|(?:à|a)\s+(?:lire|découvrir)|(?:actuellement\s+|déjà\s+)?en\s+vente"
    r"|(?:aussi\s+|également\s+)?disponibles?|more\s+in|for\s+(?:more|the\s+full\s+story)|on\s+sale|(?:also\s+|now\s+)?available"
    # Tenth round: what a pointer to an edition names before its place (« Toutes les réactions à lire dans… », « Le
    # point sur la question dans l'édition… », « Rendez-vous ce lundi dans… », "The full story is in…").
    r"|[^.!?]{0,60}?(?:\s|^)(?:est\s+|sont\s+)?[àa]\s+(?:lire|découvrir|retrouver|suivre)\s+(?:dans|sur|en)|le\s+point|tout\s+le\s+détail"
    r"|tous\s+les\s+détails|rendez-vous|(?:the\s+)?full\s+(?:story|interview|report|coverage)|also\s+(?:on|in))\b",
    re.IGNORECASE,
)
_PRINT_PLACE = re.compile(
    r"\bchez\s+(?:votre|vos|les|nos)\s+(?:marchands?\s+de\s+(?:journaux|presse)|kiosquiers?|diffuseurs?\s+de\s+presse)"
    r"|\ben\s+kiosques?\b|\b(?:dans|en|de)\s+(?:votre|notre|nos|vos)\s+(?:journal|quotidien|hebdomadaire|magazine|mensuel|hors-série|éditions?|supplément|version\s+papier)\b"
    r"|\b(?:édition|version)\s+(?:papier|imprimée)\b|\bdans\s+l[’']édition\s+(?:de\s+(?:demain|ce|cette)|du\s+\w+)"
    r"|\bprint\s+(?:edition|issue|version)\b|\bnews-?stands?\b|\bnewsagents?\b"
    r"|\bin\s+(?:our|today[’']s|tomorrow[’']s|this\s+week[’']s|\w+day[’']s)\s+(?:paper|newspaper|print\s+edition|edition)\b"
    # Tenth round (held-out-9: « Toutes les réactions à lire dans L’Avenir de ce lundi, sur iPad ou en format PDF »):
    # the paper of a named day, whatever its name (a capitalised name, then « de ce lundi », « du samedi », « de
    # demain »), an edition of a day (« dans l'édition Centre de … de ce mercredi »), and the paper's digital forms.
    rf"|\b(?:dans|sur)\s+{_PAPER_NAME}\s+(?:de\s+(?:ce|cette)\s+(?:{_WEEKDAYS_FR}|week-end|matin|soir|jour|semaine)|du\s+(?:{_WEEKDAYS_FR}|jour)"
    r"|de\s+demain|d[’']aujourd[’']hui)\b"
    rf"|\bdans\s+l[’']édition\b(?:\s+[^\s.!?]+){{0,8}}?\s+(?:de\s+(?:ce|cette|demain)|du\s+(?:{_WEEKDAYS_FR}))\b"
    r"|\bsur\s+(?:votre\s+|notre\s+|l[’'])?(?:ipad|tablettes?|smartphones?|liseuses?|appli(?:cation)?s?\s+mobiles?)\b|\ben\s+(?:format\s+)?pdf\b"
    r"|\b(?:version|édition|journal|kiosque)\s+(?:numérique|digitale|pdf)\b|\be-?paper\b|\be-?journal\b|\bpdf\s+du\s+journal\b"
    r"|\bon\s+(?:your\s+|our\s+)?(?:ipad|tablet)\b|\b(?:digital|e-)\s?(?:edition|replica)\b",
    re.IGNORECASE,
)
# …or the paper of a day named alone, a call and nothing else (« Rendez-vous ce lundi dans La Meuse Luxembourg! »):
# a line of an agenda goes on past the place it names.
_PAPER_OF_THE_DAY = re.compile(
    rf"^(?:[-•·▪►>+]+\s*)?rendez-vous\s+(?:ce|cette|dès|demain)(?:\s+(?:{_WEEKDAYS_FR}|matin|soir))?\s+dans\s+{_PAPER_NAME}\s*[!.]?$",
    re.IGNORECASE,
)
_BOOKSHOP = re.compile(r"\bchez\s+(?:votre|vos)\s+libraires?\b", re.IGNORECASE)
# …or, after a call in the imperative, the rest of the piece itself sent to another place (« Lisez la
# suite de l'interview dans La Libre », « Retrouvez l'intégralité de notre entretien dans Le Soir de
# samedi », "Read the rest of the interview in The Times"): the paper named as itself, whatever its
# name. Not a document the text points to (« Retrouvez l'intégralité du rapport sur le site du
# ministère » names a source): the rest is of the article, the interview, our report.
_PIECE = (
    r"(?:l[’']|la\s+|le\s+|cet(?:te)?\s+|ce\s+|notre\s+|this\s+|the\s+|our\s+)?"
    r"(?:article|interview|entretien|dossier|enquête|reportage|récit|portrait|chronique|analyse|témoignage|rencontre|story|report)"
)
_REST_ELSEWHERE = re.compile(
    rf"^(?:[-•·▪►>+]+\s*)?(?:{_PRINT_ORDER})\s+(?:la\s+suite|l[’']intégralité|le\s+reste|la\s+totalité|the\s+rest|the\s+full)"
    rf"(?:\s+(?:(?:de|du|d[’']|of)\s*)?{_PIECE})?\s+(?:dans|sur|in|on|at)\s+\S",
    re.IGNORECASE,
)
_PRINT_PROMO_WORDS = 30
# …or our own piece pointed to in the paper's editions (« Notre reportage dans les éditions de Sudpresse,
# ce jeudi », « Notre dossier complet dans l'édition de demain », « Notre enquête dans notre édition de
# samedi »): the piece named as ours, then an edition as its place. A sentence of text names another
# piece (« Notre reportage a montré… ») or no edition.
_OWN_PIECE = re.compile(
    r"^(?:[-•·▪►>+]+\s*)?notre\s+(?:reportage|dossier|enquête|entretien|interview|analyse|récit|portrait)\b", re.IGNORECASE
)
_OWN_PIECE_ELSEWHERE = re.compile(
    r"^(?:[-•·▪►>+]+\s*)?notre\s+(?:reportage|dossier|enquête|entretien|interview|analyse|récit|portrait)\b[^.!?]{0,80}?"
    r"\bdans\s+(?:les\s+éditions|l[’']édition|notre\s+édition|nos\s+éditions)\b",
    re.IGNORECASE,
)
# "Accueil > Actualités > …", "Home › World": a breadcrumb trail.
_BREADCRUMB = re.compile(r"^(?:accueil|home)\s*[>»›/]", re.IGNORECASE)
# "Créé: 12.12.2019, 07h36", "Publié le 5 mars 2024 à 10h", "Mis à jour le …", "Updated 5 March 2024", « Publié le
# Mercredi 5 Septembre 2012 à 21h55 », « Article publié le 17 avril 2020 ».
_WEEKDAY = rf"(?:{_WEEKDAYS_FR}|{'|'.join(WEEKDAYS_EN)})"
_STAMP = re.compile(
    r"^(?:article\s+)?(?:créé|publié|publiée|mis à jour|mise à jour|modifié|mise en ligne|mis en ligne|updated|published|posted)\b"
    rf"(?:\s+(?:le|on))?(?:\s+{_WEEKDAY},?)?.{{0,12}}\d",
    re.IGNORECASE,
)
# A reading time in any spelling (« Temps de lecture : 4 min », « Temps de lecture: 2 minutes », « Lecture 3 min »,
# « 5 min de lecture », « Durée de lecture estimée : 6 minutes », "4 min read", "Reading time: 4 minutes"), with what a
# site sets after it on the same line behind a separator (« Temps de lecture: 2 minutes - Repéré sur The Washington
# Post »: the source's label, no sentence).
_DURATION = r"(?:(?:environ|about|~)\s*)?(?:\d+(?:\s*(?:à|-|–|to)\s*\d+)?|moins\s+d[’']une|une|one|a|less\s+than\s+(?:a|one))\s*-?\s*(?:min(?:\.|utes?|s)?|mn)\.?"
_READING_TIME = re.compile(
    rf"^(?:(?:(?:durée|temps)\s+(?:de\s+|d[’'])lecture|lecture|reading\s+time|read\s+time|time\s+to\s+read)(?:\s+(?:estimée?|estimated))?\s*:?\s*{_DURATION}"
    rf"|{_DURATION}\s+(?:de\s+lecture|read|reading|to\s+read))(?:\s+[-–—|•·]\s+[^.!?]{{1,60}})?\s*$",
    re.IGNORECASE,
)
_READING_TIME_WORDS = 16  # the time and a source's label after it; a sentence that gives a time runs on
_BARE_BY = re.compile(r"^(?:par|by)\s*:?$", re.IGNORECASE)  # a byline's label whose name the page links apart (WSWS, held-out-19)
# The verbs of a byline's stamp (« publié », « mis à jour », "updated"), for `_RELATIVE_STAMP` and `_EMPTY_STAMP`.
_STAMP_VERB = r"(?:publiée?|mise?\s+à\s+jour|mise?\s+en\s+ligne|modifiée?|updated|published|posted)"
# A stamp's labels whose dates the page fills in with a script (RFI: « Publié le : Modifié le : »).
_EMPTY_STAMP = re.compile(rf"^(?:(?:{_STAMP_VERB}|créée?)\s*(?:le|on)?\s*:?\s*)+$", re.IGNORECASE)
# Ad slots and their labels: « Publicité », « Passer la publicité » (the skip link Le Figaro puts
# before each ad), « La suite après cette publicité », « Advertisement », « Skip ad ».
_ADS = re.compile(
    r"^(?:(?:publicité\s*[-–—:]?\s*)?la\s+suite\s+(?:après|ci-dessous)(?:\s+(?:cette|la|cet)\s+(?:publicité|annonce))?|publicité|advertisement"
    r"|advertising|annonce|contenus?\s+sponsorisés?|articles?\s+sponsorisés?|sponsored(?:\s+content)?|(?:recommandé|sponsorisé|proposé)\s+par\s+\S+"
    r"|(?:recommended|sponsored|promoted)\s+by\s+\S+"
    r"|(?:passer|fermer|ignorer|sauter)\s+(?:la|cette|les)\s+publicités?|skip\s+(?:this\s+)?ad(?:vertisement)?)\s*\.?$",
    re.IGNORECASE,
)
# A teaser for a video, a slide show or a podcast (« En vidéo, 4 aliments à privilégier pour mieux
# dormir », « VIDÉO. Covid-19 : … »): a marker, then a headline without a sentence's end.
_MEDIA_TEASER = re.compile(
    r"^(?:en\s+vidéo|vidéos?|videos?|en\s+images|diaporama|photos|podcast|à\s+(?:voir|écouter)(?:\s+(?:aussi|également))?"
    r"|watch|(?-i:DIRECT|EN DIRECT|LIVE|INFOGRAPHIE|REPLAY))\s*[,.:|»–—-]\s*\S",
    re.IGNORECASE,
)
_MEDIA_TEASER_WORDS = 16  # a headline; a sentence of text opening « En vidéo, le ministre… » runs longer and ends with a stop
# A magazine's shop box: « « L'état de l'économie » Hors-série n° 72, 2e trimestre 2007, », then a
# price with « port inclus » or « Je m'abonne ».
_ISSUE_LABEL = re.compile(r"^(?:«[^»]{1,80}»\s*,?\s*)?(?:hors-série|hors\s+série|numéro|n°)\s*(?:n°\s*)?\d+\b", re.IGNORECASE)
_ISSUE_DATE = re.compile(r"\b(?:19|20)\d{2}\b|\btrimestre\b", re.IGNORECASE)  # « N° 1 mondial du luxe, … » is text
_PRICE = re.compile(r"\d+(?:[.,]\d{2})?\s*(?:€|euros?)\b", re.IGNORECASE)
_SHOP = re.compile(r"\bport\s+inclus\b|\bfrais\s+de\s+port\b|\bje\s+m[’']abonne\b|\bcommander\s+(?:ce|le)\s+numéro\b|\ben\s+kiosque\b", re.IGNORECASE)
# "top-article-image", "author-image", "hero_img": an image's CSS class or alt left as text.
_PLACEHOLDER = re.compile(
    r"^[a-z0-9]+(?:[-_][a-z0-9]+)*[-_](?:image|img|photo|picture|thumbnail|thumb|avatar|logo|icon|banner|visual)"
    r"(?:[-_][a-z0-9]+)*$|^(?:image|img|photo|avatar|logo|icon)[-_][a-z0-9]+(?:[-_][a-z0-9]+)*$"
)
_LOGO = re.compile(r"^(?:logo\s+(?:de\s+|du\s+|d[’'])?(?P<a>.+)|(?P<b>.+?)\s+logo)$", re.IGNORECASE)
_NAME = r"[A-ZÀ-ÖØ-Þ][\w’'.-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w’'.-]*){0,3}"
_AGENCY_NAMES = "|".join(sorted((re.escape(v) for v in AGENCIES.values()), key=len, reverse=True))
# "PAVEL BYRKIN / AFP", repeated as pages often repeat it (caption and image alt).
_NAME_AGENCY = re.compile(rf"^(?:\s*{_NAME}\s*/\s*(?:[\w.-]+\s*/\s*)*(?:{_AGENCY_NAMES})\b(?:\s+via\s+Getty\s+Images)?)+\s*$")
_CREDIT = re.compile(
    r"^(?:cr[ée]dits?(?:\s+(?:photos?|images?|vidéos?))?|photos?|illustrations?|images?|vidéos?|©|photo credit|image credit"
    r"|(?:image|photo)s?\s+(?:d[’']\s*)?illustrati(?:on|ve)|illustration\s+photo)\s*(?:\([^)]{1,20}\))?\s*:|^©"
    r"|^(?:photos?|illustrations?|images?)\s*(?:©|\(c\))\s*\w|^\(c\)\s+\w"  # « Illustrations (C) Nikon Corp. », « (c) AFP »
    r"|^(?:photo|image|illustration)\s+(?:de\s|d[’'])|\bvia\s+getty\s+images\b|^[^.!?]{2,60},\s*photos?\s*:",
    re.IGNORECASE,
)
_CREDIT_AGENCY = re.compile(rf"(?:^|[\s/(])({_AGENCY_NAMES})(?=$|[\s/).,])")
# A photo caption: people placed in the picture (« Vladimir Poutine (à gauche) et Xi Jinping posent… »,
# "Emmanuel Macron (L) shakes hands with…"), with what only a caption says along with it: a second
# position, a date, or a picture's verb. A position alone is not enough: « (à droite) » can be a
# political side in a sentence of text. Bare « (droite) », « (gauche) », « (centre) » are left out:
# the French press labels politicians so (« François Bayrou (centre) a déclaré le 5 mars… »);
# "(centre)" / "(middle)" only count beside another position.
_POSITION = re.compile(
    r"\((?:(?:tout\s+)?[àa]\s+(?:gauche|droite)|au\s+(?:centre|milieu|premier\s+plan|second\s+plan)"
    r"|de\s+(?:gauche|droite)\s+[àa]\s+(?:droite|gauche)|\d+(?:e|er|ème|eme)\s+(?:[àa]\s+|en\s+partant\s+de\s+la\s+)?(?:gauche|droite)"
    r"|left|right|l|r|(?:second|third|\d+(?:st|nd|rd|th))\s+(?:from\s+)?(?:left|right)|from\s+(?:left|right)|left\s+to\s+right|right\s+to\s+left)\)",
    re.IGNORECASE,
)
_WEAK_POSITION = re.compile(r"\((?:centre|center|middle|c)\)", re.IGNORECASE)
_CAPTION_CUE = re.compile(
    rf"\b(?:le|du|lors\s+d[eu]|on)?\s*\d{{1,2}}(?:er)?\s+(?:{'|'.join(MONTHS)})\b"
    r"|\b(?:january|february|march|april|may|june|july|august|september|october|november|december)\s+\d{1,2}\b"
    r"|\bpos(?:e|ent|ait|aient|es|ing|ed)\b|\bphoto(?:graphi[ée]s?|graphed)?\b|\bpictured\b|\bs[’']entretien(?:nent)?\b"
    r"|\bse\s+serrent\s+la\s+main|\bserre\s+la\s+main|\bshake[sn]?\s+hands\b|\bshaking\s+hands\b|\bà\s+leur\s+arrivée\b|\barrive(?:nt)?\b|\barrives?\b",
    re.IGNORECASE,
)
_CAPTION_WORDS = 60
# A caption that ends with its picture's credit: « Un Népalais prie à Katmandou, le 30 avril 2015. (Photo Prakash Mathema. AFP) ».
_CREDIT_END = re.compile(r"\((?:photos?|crédits?|credits?|©|illustration)\b[^()]{0,80}\)\.?$", re.IGNORECASE)


# …or with the credit set bare as its last words, as a picture's credit is and a sentence never ends:
# an agency after the caption's full stop (« La France gagne sur des buts de Giroud et Malouda. BELGA_AFP »,
# « … . AFP/Belga »), « © » and a name (« Michel Daerden © Belga »), « Photo » and a name (« Arno en
# concert sur la Grand-Place vendredi soir Photo Sylvain Piraux »). Not an agency in brackets (« …a-t-il
# conclu. (Belga) » signs a wire's text), nor one a sentence names (« …a-t-il déclaré à l'AFP. »).
# Photo agencies as their credits write them bare (not news agencies: never an outlet or a dateline's
# agency): Photo News signs « NEWS », « PHOTO NEWS », « Photo News » or « Photonews » (« Georges Leekens et
# Vincent Kompany. NEWS »), Isopix and ImageGlobe their own names. « NEWS » alone counts in capitals only,
# as the credit writes it: the English word is common in names and headings.
_PHOTO_CREDITS = r"photo\s?news|isopix|imageglobe|(?-i:NEWS)"
_CREDIT_NAMES = rf"{_AGENCY_NAMES}|{_PHOTO_CREDITS}"
_CREDIT_AGENCIES = rf"(?:{_CREDIT_NAMES})(?:\s*[_/&+-]\s*(?:{_CREDIT_NAMES}))*(?:\s*/\s*(?:archives?|files?))?"
_AGENCY_TAIL = re.compile(rf"(?<=[.!?…»\"])\s+{_CREDIT_AGENCIES}\.?$", re.IGNORECASE)
_MARKED_TAIL = re.compile(
    r"\S\s+©\s*[^\s©.!?»][^©!?»]{0,40}$"
    rf"|\S\s+(?:Photos?|PHOTOS?)\s*[:/]?\s*{_NAME}(?:\s*/\s*{_NAME})*(?<!\.)$"  # « Photo » as a credit writes it, and a name
    # « Le Secret d'Élise. Crédits photo : ETIENNE CHOGNARD/QUAD TELEVISION / TF1 »: the credit's label and its names.
    r"|[.!?…»]\s+(?i:cr[ée]dits?\s+(?:photos?|images?)|photo\s+credits?|image\s+credits?)\s*:\s*[^.!?]{1,80}$"
)
# …or the agency then the photographer, as wire pictures are signed (« - Tapie en 2008. REUTERS/Benoit Tessier - »),
# after the caption's full stop.
_AGENCY_PHOTOGRAPHER = re.compile(rf"(?<=[.!?…»\"])\s+(?i:{_CREDIT_NAMES})\s*/\s*{_NAME}\s*[-–]?\s*$")
# …or the photographer then the agency (« Le ministre à Paris, le 5 mars 2021. LUDOVIC MARIN / AFP », « …(Illustration).
# - Jean Dupont / AFP »), as `_NAME_AGENCY` reads a credit set alone.
_PHOTOGRAPHER_AGENCY = re.compile(rf"(?<=[.!?…»\")])\s+(?:[-–]\s*)?{_NAME}\s*/\s*(?i:{_CREDIT_AGENCIES})\.?$")
_CREDIT_END_WORDS = 40  # a caption with its credit in brackets
_MARKED_TAIL_WORDS = 30  # …after « © » or « Photo »
# …or an agency's name alone: a caption is a sentence or two, while a wire's paragraph signed « AFP »
# runs longer (how a site signs wire copy, when it does not write « (AFP) »).
_AGENCY_TAIL_WORDS = 20


def is_ad_blocker_notice(text: str) -> bool:
    """Whether a short text asks the reader to turn off an ad blocker it names (`_AD_BLOCKER`)."""
    return len(text.split()) <= AD_BLOCKER_NOTICE_WORDS and bool(_AD_BLOCKER.search(text)) and bool(_AD_BLOCKER_ASK.search(text))


def is_caption(line: str) -> bool:
    """Whether a paragraph is a photo caption: people placed in the picture (« (à gauche) », "(L)") with
    a second position, a date or a picture's verb, or a short paragraph ending with the picture's credit,
    in brackets (« (Photo Prakash Mathema. AFP) ») or bare (« … Malouda. BELGA_AFP », « … © Belga »)."""
    words = len(line.split())
    if words <= _CAPTION_WORDS and (position := _POSITION.search(line)):
        # The cue after the position, as a caption puts it (« …posent…, le 4 février 2022. »); a
        # paragraph of text opening on its date (« Le 4 février, les élus (à gauche)… ») is not one.
        after = position.end()
        return bool(_POSITION.search(line, after) or _WEAK_POSITION.search(line) or _CAPTION_CUE.search(line, after))
    line = line.strip()
    return (
        words <= _CREDIT_END_WORDS and bool(_CREDIT_END.search(line))
        or words <= _MARKED_TAIL_WORDS and bool(_MARKED_TAIL.search(line))
        or words <= _AGENCY_TAIL_WORDS and bool(_AGENCY_TAIL.search(line) or _AGENCY_PHOTOGRAPHER.search(line) or _PHOTOGRAPHER_AGENCY.search(line))
    )


# "PÉKIN, 5 novembre 2026 (AFP) -": place, date, agency, then the text.
_DATELINE = re.compile(
    rf"^(?P<place>[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ’' .-]+(?:\s*\([^)]*\))?)\s*,\s*(?:le\s+)?(?P<day>\d{{1,2}}|1er)\s+"
    rf"(?P<month>{'|'.join(MONTHS)})\s+(?P<year>\d{{4}})\s*\((?P<agency>{_AGENCY_NAMES})\)\s*[-–—]",
    re.IGNORECASE,
)


# "mercredi 11 septembre 2019", "12.12.2019, 07h36": a line that is only a date.
_DATE_ONLY = re.compile(
    rf"^(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)?(?:le\s+)?\d{{1,2}}(?:er)?\s+(?:{'|'.join(MONTHS)})\s+\d{{4}}"
    r"(?:\s*(?:à|,)?\s*\d{1,2}\s*[h:]\s*\d{2})?\.?$|^\d{1,2}[./]\d{1,2}[./]\d{4}(?:,?\s*(?:à\s*)?\d{1,2}\s*[h:]\s*\d{2})?$",
    re.IGNORECASE,
)
# « Lire aussi » and its kin announce another article: the line, and the title on the next line.
_READ_ALSO = re.compile(
    r"^(?:>>?\s*|»\s*)?(?:(?:[àa]\s+)?lire\s+(?:aussi|également|encore)|[àa]\s+lire|(?:[àa]\s+)?(?:voir|écouter|regarder)\s+(?:aussi|également)|sur\s+le\s+même\s+sujet"
    # A label, not « Lire le dossier a pris… »: « Lire notre analyse : Pourquoi l'accord… » (Le Monde, held-out-20).
    r"|(?:lire|voir|découvrir|retrouvez|écouter|regarder)\s+(?:le|la|l[’']|notre|nos|les|tout\s+notre)\s*(?:dossiers?|analyses?"
    r"|entretiens?|interviews?|reportages?|récits?|décryptages?|portraits?|tribunes?|éditorial|édito|chroniques?|enquêtes?"
    r"|infographies?|compte-rendu|synthèse|critiques?|billets?)(?=\s*(?:[:–—-]|$))"
    r"|read\s+(?:more|also)|see\s+also|related)\b",
    re.IGNORECASE,
)
# A bare « Lire : » / « Voir : » label: only a label when a link to another article follows (the caller checks it).
_READ_LABEL = re.compile(r"^(?:[àa]\s+)?(?:lire|voir)\s*:$", re.IGNORECASE)
_INLINE_READ_ALSO = re.compile(r"\s*[(\[]\s*(?:[àa]\s+)?(?:lire|voir)\s+(?:aussi|également)\b[^)\]]{0,200}[)\]]", re.IGNORECASE)
# Headings of what follows an article: related and teaser lists, comments, "more from the site".
_AFTER_ARTICLE = re.compile(
    r"^(?:[àa]\s+la\s+une(?:\s+de\s+\S+)?|les\s+plus\s+lus|articles?\s+les\s+plus\s+lus|les\s+plus\s+partagés|dans\s+la\s+même\s+rubrique"
    r"|vous\s+aimerez\s+(?:aussi|également)|[àa]\s+découvrir(?:\s+(?:aussi|également|sur\s+\S+))?|nos\s+derni[eè]res?\s+\w+"
    r"|tous\s+nos\s+derniers\s+\w+|plus\s+de\s+sujets|sur\s+le\s+web|les\s+articles\s+(?:les\s+plus|similaires|liés)"
    r"|articles?\s+(?:similaires|liés|correspondants|recommandés)|commentaires|vos\s+réactions|votre\s+commentaire"
    r"|laisser\s+un\s+commentaire|ajouter\s+un\s+commentaire|réagissez|most\s+(?:read|popular)|more\s+from\s+\S+"
    r"|related\s+(?:articles|stories|posts)|recommended(?:\s+for\s+you)?|comments|leave\s+a\s+(?:comment|reply)"
    r"|(?:nos\s+|avec\s+nos\s+)?partenaires|our\s+partners|partners"
    r"|mots[- ]cl[ée]s|tags|étiquettes|keywords|topics|thèmes\s+associés|sujets\s+associés|réagissez\s+à\s+cet\s+article"
    r"|la\s+rédaction\s+vous\s+(?:conseille|recommande)|nous\s+vous\s+recommandons|plus\s+d[’']articles|les\s+dernières\s+(?:actualités|infos|articles))\s*(?:\(\d+\))?\s*:?$",
    re.IGNORECASE,
)
# The heading of a box about the source or the author (« Source de l'article », « À propos de
# l'auteur »): what follows describes a publication or a person, it is not the article's text.
_ABOUT = re.compile(
    r"^(?:source\s+de\s+l[’']article|[àa]\s+propos\s+(?:de\s+l[’']auteur(?:e|ice)?|des\s+auteur(?:e|ice)?s|de\s+la\s+source|de\s+ce\s+(?:média|journal|site))"
    r"|l[’']auteur(?:e|ice)?|les\s+auteur(?:e|ice)?s|biographie(?:\s+de\s+l[’']auteur)?|qui\s+est\s+l[’']auteur\s*\??"
    r"|about\s+the\s+(?:author|source|authors)|the\s+author)\s*:?$",
    re.IGNORECASE,
)
# The heading of an ad block (« Publicités », « Liens publicitaires », "Sponsored links"): what it opens
# is ads and their notices (« Ces annonces sont générées automatiquement… »), never the article's text.
_AD_HEADING = re.compile(
    r"^(?:publicités?|liens\s+(?:publicitaires|sponsorisés|commerciaux)|annonces\s+(?:publicitaires|sponsorisées|google)"
    r"|contenus?\s+(?:sponsorisés?|partenaires?)|sponsored\s+(?:links|content)|advertisements?|ads\s+by\s+\w+)\s*:?$",
    re.IGNORECASE,
)
# A subscriber's badge (« Réservé aux abonnés », « Article réservé aux abonnés ») over the text: a label when no
# paragraph has been read yet; a call (« Pour lire la suite, abonnez-vous ») still ends the text.
_SUBSCRIBER_BADGE = re.compile(r"^(?:(?:article|contenu)\s+)?réservé\s+aux\s+abonnés\s*\.?$", re.IGNORECASE)
_TAIL_SHARE = 0.3  # an "after the article" heading past the first 30 % of the lines ends the text
# …and so does one after this many paragraphs of text (of `_PARAGRAPH_WORDS` words or more): the
# article has been read by then, whatever the number of teaser lines after it (a share of lines
# alone moves when a rule takes lines out before the heading).
_TAIL_PARAGRAPHS = 3
_PARAGRAPH_WORDS = 30
# A list of other articles after the text, where each item is set off by a bare list mark (a line
# « - » or « • » between teasers): this many marks, each at most `_LIST_GAP` lines from the next and
# the last one from the end, end the text.
_BULLET = re.compile(r"^[-–—•·*▪►>→➜➔▸]$")
_LIST_MARKS = 3
_LIST_GAP = 2
# …or by a mark opening each teaser's line (« - Mariage gay : Di Rupo est "fier"… », how a `<li>`
# comes out of the extractor): a headline's length at most, and no sentence's end. Not a dash « – »,
# « — »: it opens a line of dialogue or an embedded post's attribution (« — Jean Dupont (@jdupont) »).
_ITEM = re.compile(r"^(?:[-•·▪►]\s+|[→➜➔▸]\s*)\S")  # « → Quels sont les symptômes… ? » (RFI, held-out-20)
_ITEM_WORDS = 16
_DATED_ITEM = re.compile(
    rf"^(?:le\s+)?(?:\d{{1,2}}(?:er)?\s+(?:{'|'.join(MONTHS)})\b|\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}\b|\d{{4}}-\d{{2}}-\d{{2}}\b)",
    re.IGNORECASE,
)
# A line asking the reader to click (« Si vous surfez via notre application mobile, cliquez ici pour
# suivre le live », "Click here to subscribe") is a link's label; a quoted « cliquez ici » (a scam's
# message reported) is text.
_CLICK = re.compile(
    r"\b(?:cliquez|cliquer|cliquant|appuyez|touchez)\s+(?:ici|sur\s+(?:ce|le)\s+lien|sur\s+(?:l[’']|le\s+|la\s+|cette\s+|cet\s+)?(?:icône|bouton|image|vignette|player|lecteur))\b"
    r"|\b(?:click|tap)\s+(?:here|(?:on\s+)?the\s+(?:icon|button|image))\b",
    re.IGNORECASE,
)
_QUOTE_MARK = re.compile(r"[«\"“„]")
_CLICK_WORDS = 25
_LABEL_WORDS = 5  # « Actualisation continue : », « En direct : »: a label, not a sentence cut at a colon
# Eleventh round: the heading of a box the extraction left out (a table, a chart, a widget) ending the text (« Les
# statistiques du Portugal en Coupe du monde : »): one phrase, no sentence's end, comma or quotation inside.
_BOX_LABEL_WORDS = 12
_BOX_LABEL_STOP = re.compile(r"[.!?,;«»\"“”]")


# --- Tenth round: a page's furniture, stated for any page (`is_furniture`, in `strip_blocks`: extracted pages only) ---
# A player's, gallery's or download link's label left as a line (« Vidéo », « En images », « Voir la vidéo »,
# « Télécharger », « Téléchargez pdf », a file's size « (1,4 MB) », « Épisode 13 », a script's « [object Object] »):
# a label names a thing the text does not hold.
_MEDIA_LABEL = re.compile(
    r"^(?:vidéos?|videos?|audio|podcasts?|diaporama|en\s+images|en\s+vidéo|galerie(?:\s+(?:photos?|d[’']images|vidéos?))?|photos|infographie"
    r"|(?:voir|regarder|revoir|écouter|réécouter|lire)\s+(?:la|les|le|l[’'])\s*(?:vidéos?|photos|diaporama|galerie|podcast|émission|extrait|reportage|son)"
    r"|t[ée]l[ée]charge[rz](?:\s+(?:le|la|les|ce|cette|l[’']))?\s*(?:pdf|document|fichier|brochure|rapport|étude|guide|programme)?(?:\s+(?:en\s+|au\s+format\s+)?pdf)?"
    r"|download(?:\s+(?:the\s+)?(?:pdf|file|document|report))?|watch(?:\s+(?:the\s+)?video)?|listen|play(?:\s+video)?"
    r"|épisodes?(?:\s+\d+)?|saison\s+\d+|\(?\s*\d+(?:[.,]\d+)?\s*(?:[kmg]o|[kmg]b)\s*\)?|\[object\s+\w+\]|undefined)\s*:?$",
    re.IGNORECASE,
)
# A pointer to a player or a picture beside the text (« Ecoutez ci-dessus le témoignage de… », « Découvrez notre
# reportage vidéo ci-dessous: », "Watch the video below"): a call to watch or listen, or to see a video, then where
# it stands on the page. « Découvrez ci-dessous un point de la situation » points to text and stays (no medium).
_MEDIA_POINTER = re.compile(
    r"^(?:[-•·▪►>+]+\s*)?(?:(?P<media>regardez|[ée]coutez|r[ée][ée]coutez|revoyez|visionnez|watch|listen\s+to)|(?:re)?découvrez|retrouvez|revivez|voyez|voici"
    r"|pour\s+(?:ré)?(?:écouter|voir|revoir|regarder|visionner)|see|click)\b[^.!?]{0,150}?\b(?:ci-dessous|ci-dessus|ci-contre|ci-après|below|above)\b",
    re.IGNORECASE,
)
_MEDIUM = re.compile(r"\b(?:vidéos?|videos?|audio|son|images|photos?|diaporama|galerie|podcast|icône|player|lecteur|extrait|clip|émission)\b", re.IGNORECASE)
_MEDIA_POINTER_WORDS = 30
# A caption set as a pointer to the picture (« Ci-dessous: Anne-Sophie, la compagne de…, sortant de la morgue. »).
_CAPTION_POINTER = re.compile(r"^(?:photo\s+|image\s+)?(?:ci-dessous|ci-dessus|ci-contre|above|below|pictured|top|bottom)\s*:\s*\S", re.IGNORECASE)
# A byline: « Par Jean Dupont », « Un texte de Frédéric Zalac d'Enquête », « Auteur : Kossivi Tiassou », the
# newsroom as a signature (« Rédaction en ligne (avec Belga) », « Rédaction Web (avec AFP) », « Avec AFP »), a
# signature in initials (« N.Cap. », « F. Chl. », « J. V., Y. B., N. D. »). A name is not the article's text; a
# sentence naming a person goes on past the name.
# « le colonel Jean-Louis Dufour », « la professeure Marie Curie », « Dr Jean Dupont »: a rank or title before the name.
_RANK = (r"(?:(?:le|la|l[’'])\s*)?(?:colonel|général|générale|capitaine|commandant|lieutenant|amiral|professeure?|docteure?|dr\.?"
         r"|pr\.?|maître|me|juge|abbé|père|sœur|soeur|cardinal|monseigneur|mgr)\s+")
_PERSON = r"(?:" + _RANK + r")?(?-i:[A-ZÀ-ÖØ-Þ])[\w’'.-]*(?:\s+(?:(?:de|du|des|van|von|der|den|le|la|el|al|ben|di|da|dos)\s+|d[’'])?(?-i:[A-ZÀ-ÖØ-Þ])[\w’'.-]*){0,3}"
_PEOPLE = rf"{_PERSON}(?:\s*(?:,|&|\bet\b|\band\b)\s*{_PERSON}){{0,3}}"
_WITH_AGENCY = r"(?:\s*,?\s*\(?(?:avec|with)\s+[^()]{1,40}\)?)?"
_BYLINE_LINE = re.compile(
    rf"^(?:par|by|un\s+(?:texte|article|reportage|dossier|entretien)\s+de|propos\s+recueillis\s+par|written\s+by|reporting\s+by"
    rf"|(?:auteure?s?|autrices?|textes?|rédact(?:eur|rice)|journaliste|author|editor|édition|edition)\s*:)\s+{_PEOPLE}{_WITH_AGENCY}\s*\.?$"
    r"|^(?:additional\s+)?(?:reporting|writing|editing)\s+by\s+[^.!?]{1,150}$"
    rf"|^(?:la\s+)?r[ée]daction(?:\s+(?:en\s+ligne|web|numérique|internet|digitale|sports?|nationale|locale|de\s+{_PERSON}))?{_WITH_AGENCY}\s*\.?$"
    rf"|^\(?(?:avec|sources?\s*:)\s+(?:{_AGENCY_NAMES}|agences?)(?:\s*(?:,|et|and|&)\s*(?:{_AGENCY_NAMES}|agences?))*\s*\)?\s*\.?$",
    re.IGNORECASE,
)
_INITIALS = re.compile(r"^\(?(?:[A-ZÀ-Þ][a-zà-ÿ]{0,3}\.?\s*-?\s*){1,3}(?:\s*,\s*(?:[A-ZÀ-Þ][a-zà-ÿ]{0,3}\.?\s*){1,3}){0,4}\)?$")
_BYLINE_WORDS = 14
# A byline with its time stamp (« Le Monde | 04.05.2015 à 13h36 • Mis à jour le 05.05.2015 à 20h13 | Par … », « Par
# Jean Dupont Publié le 12/03/2021 à 10h05 »): a date and a time, and the separators or the « Par » of a byline.
_DATE_TIME = re.compile(r"\d{1,2}[./]\d{1,2}[./]\d{2,4}\s*(?:à|,|-)?\s*\d{1,2}\s*[h:]\s*\d{2}", re.IGNORECASE)
_STAMP_MARK = re.compile(r"[|•]|^(?:par|by)\s", re.IGNORECASE)
# A stamp in time relative to when the page was saved (« Par Aurore Aimelet Publié il y a 5 heures, Mis à jour il y a 50
# minutes », « Publié hier à 11:30 »): true of no reader's day, and no sentence of the article.
_RELATIVE_STAMP = re.compile(
    rf"\b{_STAMP_VERB}\s+"
    r"(?:il\s+y\s+a\s+(?:\d+|une?|quelques)\s+(?:secondes?|min(?:utes?)?|h|heures?|jours?)|hier|avant-hier|aujourd[’']hui"
    r"|\d+\s+(?:minutes?|hours?|days?)\s+ago|yesterday|today)\b",
    re.IGNORECASE,
)
# An editor's note on the article itself (« Article mis à jour le 7 janvier 2020. », « * Cet article, initialement
# publié en avril 2017, a fait l'objet d'une mise à jour. », « Prenez note que cet article publié en 2017 pourrait
# contenir des informations qui ne sont plus à jour. », "This article was originally published…"). Not « L'article
# 12 de la loi, modifié… »: the note speaks of « cet article », or opens with « Article mis à jour ».
_UPDATE_NOTE = re.compile(
    r"^(?:\*\s*)?(?:article\s+(?:mis|mise)\s+à\s+jour\b"
    r"|cet\s+article\b[^.!?]{0,80}?\b(?:mis\s+à\s+jour|mise\s+à\s+jour|plus\s+à\s+jour|initialement\s+(?:publié|paru)|(?:publié|paru)\s+à\s+l[’']origine)"
    r"|cet\s+article\s+a\s+été\s+(?:corrigé|modifié|actualisé|complété)\s+(?:le|depuis|après|pour)\b"
    r"|(?:prenez\s+note|veuillez\s+noter|notez)\s+que\s+(?:cet|ce)\s+(?:article|texte|contenu)\b"
    r"|cet\s+article\s+(?:a\s+été\s+(?:initialement\s+)?publié|est\s+paru|a\s+paru|est\s+extrait)\s+(?:dans|en)\b"
    r"|(?:this|the)\s+(?:article|story|piece)\s+(?:was|has\s+been)\s+(?:originally\s+published|first\s+published|updated|corrected|amended)"
    r"|(?:this|the)\s+(?:article|story|piece)\s+(?:first\s+|originally\s+)?appeared\s+(?:in|on)\b)",
    re.IGNORECASE,
)
_NOTE_WORDS = 40
# A confirmation a button leaves (« L'article a été ajouté à vos favoris », « Le son a bien été ajouté à la liste de
# lecture »), a link to the comments (« Voir les contributions », « Lire les 12 commentaires », "View comments").
_CONFIRMATION = re.compile(
    r"^(?:(?:l[’']|cet\s+|ce\s+|le\s+|la\s+)?(?:article|son|vidéo|épisode|contenu|podcast)\s+(?:a\s+)?(?:bien\s+)?(?:été\s+)?"
    r"(?:ajouté|retiré|sauvegardé|enregistré|supprimé)e?\s+(?:à|a|de|dans)\s+(?:vos|votre|la|mes|ma|ta|tes)\b"
    r"|(?:voir|lire|afficher|masquer|consulter)\s+(?:les|tous\s+les|toutes\s+les)\s+(?:\d+\s+)?(?:contributions|commentaires|réactions)"
    r"|(?:show|view|read|see)\s+(?:all\s+)?(?:\d+\s+)?comments|(?:écrire|rédiger|poster|publier)\s+un\s+commentaire"
    r"|(?:connectez-vous|identifiez-vous)\s+pour\s+(?:commenter|réagir)|signaler\s+(?:un\s+abus|une\s+erreur|ce\s+commentaire|un\s+contenu))",
    re.IGNORECASE,
)
# A call to follow the outlet or get its app (« Suivez-nous sur Facebook », « Retrouvez toute l'actualité sur notre
# compte Instagram », « Téléchargez notre application », "Follow us on…", « Disponible sur l'App Store et Google
# Play »), a follow button's network alone (« - Google News »).
_LEADING_MARKS = r"(?:[-•·▪►>»]+\s*)?"  # « >> », « - », « • » before a call or a pointer
_FOLLOW = re.compile(
    rf"^{_LEADING_MARKS}(?:(?:suivez|retrouvez|rejoignez|likez|aimez)[- ](?:nous|moi)\b|(?:follow|like|join)\s+(?:us|me)\b"
    rf"|(?:me|nous)\s+suivre\s+sur\s+(?:{_NETWORKS})\b"  # « >> Me suivre sur Facebook : Eco(lo) et sur Twitter : @audreygarric »
    rf"|(?:suivez|retrouvez)\s+[^.!?]{{0,60}}\bsur\s+(?:{_NETWORKS}|google\s+(?:news|actualités)|youtube|tiktok|notre\s+(?:compte|page|chaîne|application|appli|site))\b"
    r"|rejoignez\s+(?:notre|nos)\s+(?:chaîne|communauté|groupe|canal|compte)s?\b"
    rf"|{_PAPER_NAME}\s+sur\s+(?:{_NETWORKS}|google\s+(?:news|actualités)|youtube|tiktok)\s*$"
    r"|(?:téléchargez|télécharger|installez)\s+(?:gratuitement\s+)?(?:notre|l[’']|la\s+nouvelle)\s*(?:nouvelle\s+)?appli(?:cation)?\b|(?:download|get)\s+(?:our|the)\s+(?:free\s+)?app\b)"
    r"|\bapp\s*store\b[^.!?]{0,30}\bgoogle\s+play\b|\bgoogle\s+play\b[^.!?]{0,30}\bapp\s*store\b"
    # « Tous nos articles sont aussi sur notre profil Google : suivez-nous pour ne rien manquer ! », « Abonnez-vous à
    # notre newsletter pour ne rien rater de l'actualité »: a call to follow, wherever its verb stands in the line.
    r"|\b(?:suivez-nous|abonnez-vous|inscrivez-vous|rejoignez-nous|téléchargez\s+(?:notre|l[’']appli)|activez\s+les\s+notifications)\b"
    r"[^.!?]{0,80}\bpour\s+ne\s+rien\s+(?:manquer|rater)\b"
    # « Ajoutez Numerama à votre écran d'accueil et restez connectés au futur ! »: a web app's install call.
    r"|^(?:ajoutez|installez|épinglez)\s+[^.!?]{1,40}\s+(?:à|a|sur)\s+(?:votre|l[’'])\s*écran\s+d[’']accueil\b|^add\s+[^.!?]{1,40}\s+to\s+your\s+home\s*screen\b",
    re.IGNORECASE,
)
_NETWORK_ALONE = re.compile(
    r"^(?:[-•·▪►]\s*)?(?:facebook|twitter|linkedin|whatsapp|instagram|youtube|tiktok|snapchat|pinterest|telegram|bluesky|mastodon|flipboard"
    r"|google\s+(?:news|actualités)|rss)\s*$",
    re.IGNORECASE,
)
# A pointer to the outlet's other articles (« Retrouvez tous nos articles sur le coronavirus dans notre rubrique. »,
# « Lisez l'ensemble de nos contenus sur… », "Read all our coverage of…"): the site's furniture, not the article.
_OUR_ARTICLES = re.compile(
    rf"^{_LEADING_MARKS}(?:retrouvez|découvrez|lisez|consultez|suivez)\s+(?:tous|toutes|l[’']ensemble\s+de|l[’']intégralité\s+de)\s+nos\s+"
    r"(?:articles|contenus|informations|infos|reportages|analyses|décryptages|dossiers|vidéos|podcasts)\b"
    # « >> Lire mes autres articles sur le site du Monde »: a columnist's pointer to the rest of the column.
    rf"|^{_LEADING_MARKS}(?:lire|retrouvez|découvrez|voir)\s+(?:tous\s+)?(?:mes|nos)\s+autres\s+(?:articles|chroniques|billets|papiers|posts)\b[^.!?]*$"
    r"|^(?:read|see|find)\s+(?:all\s+)?(?:of\s+)?our\s+(?:coverage|articles|stories)\b",
    re.IGNORECASE,
)
# A call to give (« Faire un don », « Soutenez-nous », « Soutenez le journalisme indépendant : faites un don »,
# "Support our journalism"), a call for the reader's tips (« Vous avez des informations sur ce sujet ? Écrivez-nous
# à … »), a copyright line (« Tous droits réservés », "All rights reserved"), a read-more or more-info label
# (« Lire la suite », « En savoir plus », « Compléments d'informations », "Continue reading"), a link's label
# opening with « Voir ici / Lire ici ».
_DONATE = re.compile(
    r"^(?:faire\s+un\s+don|faites\s+un\s+don|je\s+fais\s+un\s+don|je\s+(?:soutiens|donne)\b|soutenez[- ]nous"
    r"|soutenez\s+(?:notre|le|la|l[’'])\s*(?:journal|média|rédaction|journalisme|information|presse|site)"
    r"|soutenir\s+(?:notre|le|la)\s+(?:journal|média|rédaction|journalisme)|donate|make\s+a\s+donation"
    r"|support\s+(?:us|our\s+(?:journalism|work|newsroom)|independent\s+journalism))\b",
    re.IGNORECASE,
)
# « Cet article vous a plu ? Vous souhaitez nous soutenir ? Partagez-le… » (Techno-Science, held-out-19), "Did you enjoy
# this article?": the site asks for the reader's support of the article itself.
_LIKED_CALL = re.compile(
    r"^(?:cet\s+article\s+vous\s+a\s+plu[st]?|vous\s+avez\s+aimé\s+cet\s+article|(?:did\s+you\s+)?(?:enjoy|like)(?:ed)?\s+this\s+article)\s*\?",
    re.IGNORECASE,
)
_TIP_CALL = re.compile(
    r"^(?:vous\s+avez\s+(?:des|une|un)\s+(?:informations?|renseignements?|infos?|témoignages?|questions?|photos?|vidéos?|remarques?|suggestions?)"
    r"|(?:do\s+you\s+have|have\s+you\s+got)\s+(?:a\s+tip|information|a\s+story|questions?)|une\s+erreur"
    r"|vous\s+avez\s+(?:repéré|remarqué|vu|constaté)\s+une\s+(?:erreur|faute|coquille)|vous\s+souhaitez\s+(?:réagir|nous\s+écrire|témoigner)"
    r"|(?:spotted|found)\s+(?:an\s+error|a\s+mistake))\b[^?]{0,120}\?"
    r".*(?:\S@\S|\bnous\b|-nous\b|\bus\b|\brédaction\b|signalez-l[ae]\b|newsroom)",
    re.IGNORECASE,
)
# A notice telling the reader which program opens a file (« Les documents au format Acrobat PDF s'ouvrent avec Acrobat
# Reader dont vous pouvez télécharger gratuitement la dernière version »).
_PLUGIN = re.compile(r"\b(?:acrobat|adobe)\s+reader\b|\bflash\s+player\b|\blecteur\s+pdf\b|\bpdf\s+reader\b", re.IGNORECASE)
_GET_PLUGIN = re.compile(r"t[ée]l[ée]charg|\bdownload|\binstall", re.IGNORECASE)
_COPYRIGHT = re.compile(
    r"^copyright\b|\btous\s+droits\s+(?:de\s+reproduction\s+)?réservés\b|\ball\s+rights\s+reserved\b|^reproduction\s+(?:interdite|réservée)"
    r"|^toute\s+reproduction\s+(?:\w+\s+){0,3}(?:interdite|réservée|prohibée)\b",  # « Toute reproduction interdite » (Paris Match, held-out-19)
    re.IGNORECASE,
)
_MORE_LABEL = re.compile(
    r"^(?:(?:lire|voir)\s+(?:la\s+suite|plus)(?:\s+de\s+l[’']article)?|(?:pour\s+)?en\s+savoir\s+plus|savoir\s+plus|compléments?\s+d[’']informations?"
    r"|continue\s+reading|keep\s+reading|see\s+more)\s*(?:…|\.\.\.|»|>+|→)?\s*:?$"
    r"|^(?:voir|lire|écouter|regarder)\s+ici\b",
    re.IGNORECASE,
)
# A button's or a menu's label (« Lien copié », « Lire plus tard », « Afficher plus », « Plus d'infos », « Mon compte »,
# « S'inscrire », « Article offert », « Premium », « En continu », « Retour en haut »), a relative stamp (« Il y a 3
# heures », « Mis à jour il y a 2 heures », "3 hours ago"), a subscriber's badge over the text (« Vous lisez un
# article réservé aux abonnés. »), an embed the reader's choices hid (« Ce contenu n'est pas disponible »).
_BUTTON = re.compile(
    r"^(?:lire\s+plus\s+tard|lire\s+dans\s+l[’']appli(?:cation)?|ouvrir\s+dans\s+l[’']appli(?:cation)?|[ée]couter(?:\s+(?:l[’']article|cet\s+article))?"
    r"|afficher\s+(?:plus|moins|la\s+suite)|voir\s+moins|plus\s+d[’']infos?|mon\s+compte|mon\s+espace|s[’']inscrire|se\s+déconnecter"
    r"|retour\s+en\s+haut(?:\s+de\s+(?:la\s+)?page)?|haut\s+de\s+page|back\s+to\s+top|article\s+offert|cet\s+article\s+vous\s+est\s+offert"
    r"|contribuer|réagir|commenter|réutiliser\s+ce\s+contenu|republier\s+(?:cet\s+article|ce\s+contenu)|republish(?:\s+this\s+(?:article|story))?"
    r"|abonnés?|premium|exclusif\s+abonnés?|en\s+continu|toute\s+l[’']actualité(?:\s+en\s+(?:direct|continu))?|read\s+later|listen\s+to\s+(?:this\s+)?article"
    r"|(?:publié|mis\s+à\s+jour|modifié|updated|posted)?\s*il\s+y\s+a\s+\d+\s*(?:s|secondes?|min(?:utes?)?|h|heures?|jours?)"
    r"|\d+\s+(?:seconds?|minutes?|hours?|days?)\s+ago)\s*[.!:]?$",
    re.IGNORECASE,
)
_BADGE = re.compile(
    r"^(?:vous\s+lisez\s+un\s+article\s+réservé|ce\s+contenu\s+(?:n[’']est\s+(?:pas|plus)\s+disponible|est\s+bloqué|est\s+masqué)"
    r"|this\s+content\s+is\s+(?:not\s+available|blocked|unavailable))",
    re.IGNORECASE,
)
# A newsletter's box (« Chaque matin, recevez l'essentiel de l'actualité », « Inscription à la newsletter »,
# « Newsletter Le Journal », « Merci pour votre inscription »), a sign-up form's legal notice (« Les informations
# recueillies… Conformément à la loi Informatique et libertés, vous disposez d'un droit d'accès »).
_NEWSLETTER_BOX = re.compile(
    r"^(?:(?:chaque|tous\s+les)\s+(?:matins?|soirs?|jours?|semaines?|lundis?|mardis?|mercredis?|jeudis?|vendredis?|samedis?|dimanches?),?\s+recevez"
    r"|(?:inscription|s[’']inscrire|abonnement)\s+(?:à|a|aux)\s+(?:la|notre|nos|les)\s+newsletters?|newsletters?(?:\s+[^\s.!?]+){1,4}$"
    r"|merci\s+(?:pour|de)\s+votre\s+inscription|votre\s+inscription\s+a\s+(?:bien\s+)?été|thanks?\s+(?:you\s+)?for\s+(?:signing\s+up|subscribing)"
    r"|get\s+(?:the\s+|our\s+)?(?:latest|best|top)\b[^.!?]{0,60}\b(?:inbox|e-?mail)\b|[^.!?]{0,60}\bdelivered\s+(?:straight\s+)?to\s+your\s+inbox)",
    re.IGNORECASE,
)
_FORM_NOTICE = re.compile(r"\binformatique\s+et\s+libertés\b|\bdroit\s+d[’']accès\b|\brgpd\b|\bdonnées\s+personnelles\b|\bprivacy\s+policy\b", re.IGNORECASE)
_FORM_TALK = re.compile(r"\bvous\s+disposez\b|\bvos\s+données\b|\brecueillies\b|\bvotre\s+adresse\b|\byour\s+(?:data|e-?mail)\b", re.IGNORECASE)
# A picture's credit set alone: agencies only (« AFP/Archives », « BELGA »).
_CREDIT_ALONE = re.compile(rf"^\(?{_CREDIT_AGENCIES}\)?\.?$", re.IGNORECASE)
# An ad slot's label, in the capitals an ad server writes, and its note (« ADVERTISING - ne pas effacer »).
_AD_SLOT = re.compile(r"^(?-i:PUBLICIT[ÉE]|ADVERTISING|ADVERTISEMENT|ANNONCE|PUB)\s*[-–—:]\s*[^.!?]{0,40}$")
# The signatures above, as for a text (`_BYLINE_WORDS`), and the calls: a sentence of text runs longer.
_FURNITURE_WORDS = 30


def is_furniture(line: str) -> bool:
    """Whether a line of an extracted page is the page's furniture, not the article: a player's or a download's label,
    a pointer to a player or a picture, a byline or an editor's note, a button's confirmation, a call to follow, give
    or write in, a copyright line, a read-more label, an ad slot's label (see the patterns above)."""
    words = len(line.split())
    if words > _NOTE_WORDS:
        return bool(words <= 80 and (_TIP_CALL.match(line) or (_FORM_NOTICE.search(line) and _FORM_TALK.search(line))))
    if words <= 6 and (_MEDIA_LABEL.match(line) or _CREDIT_ALONE.match(line) or _NETWORK_ALONE.match(line) or _AD_SLOT.match(line) or _MORE_LABEL.match(line)
                       or _BUTTON.match(line) or _EMPTY_STAMP.match(line) or _BARE_BY.match(line)):  # fmt: skip
        return True
    if words <= _BYLINE_WORDS and (_BYLINE_LINE.match(line) or (len(line) <= 30 and "." in line and _INITIALS.match(line)
                                                                and sum(c.isupper() for c in line) >= 2)):  # fmt: skip
        return True
    if words <= _FURNITURE_WORDS and _DATE_TIME.search(line) and _STAMP_MARK.search(line):
        return True
    if (words <= _FURNITURE_WORDS and (m := _RELATIVE_STAMP.search(line)) and (m.start() == 0 or _STAMP_MARK.search(line))
            and not line.rstrip().endswith((".", "!", "?", "…"))):  # fmt: skip
        return True  # a stamp, not « Par ailleurs, le décret publié hier prévoit… ».
    if _UPDATE_NOTE.match(line) or _TIP_CALL.match(line) or _LIKED_CALL.match(line) or (_PLUGIN.search(line) and _GET_PLUGIN.search(line)):
        return True
    if _BADGE.match(line) or _NEWSLETTER_BOX.match(line) or (_FORM_NOTICE.search(line) and _FORM_TALK.search(line)):
        return True
    if words > _FURNITURE_WORDS:
        return False
    if _CONFIRMATION.match(line) or _FOLLOW.search(line) or _OUR_ARTICLES.match(line) or _DONATE.match(line) or _COPYRIGHT.search(line) or _MORE_LABEL.match(line):
        return True
    if _CAPTION_POINTER.match(line):
        return True
    m = _MEDIA_POINTER.match(line)
    return bool(m and words <= _MEDIA_POINTER_WORDS and (m.group("media") or _MEDIUM.search(line)))


@dataclass(frozen=True)
class LineVerdict:
    """What one line is: `drop` it from the body; the `outlet` it names; the `credit` agency it names."""

    drop: bool
    outlet: str | None = None
    credit: str | None = None


def classify(line: str) -> LineVerdict | None:
    """The verdict on one stripped line, or None for an ordinary line of text."""
    words = line.split()
    if not words:
        return None
    short = len(words) <= 8
    if len(words) <= _READING_TIME_WORDS and _READING_TIME.match(line):
        return LineVerdict(drop=True)
    if short and (_SHARE.match(line) or _SOCIAL.match(line) or _ADS.match(line)
                  or _FAVOURITE.match(line) or _COMMENT_COUNT.match(line) or _CONSENT_BUTTON.match(line)):  # fmt: skip
        return LineVerdict(drop=True)
    if len(words) <= 60 and _COOKIE.search(line) and _COOKIE_TALK.search(line):
        return LineVerdict(drop=True)
    if is_ad_blocker_notice(line):
        return LineVerdict(drop=True)
    if len(words) <= 30 and (_PAYWALL_END.match(line) or _PITCH.match(line)) or len(words) <= 60 and _SIGNUP.match(line):
        return LineVerdict(drop=True)
    if len(words) <= _MEDIA_TEASER_WORDS and _MEDIA_TEASER.match(line) and not line.rstrip().endswith((".", "!", "?", "»", "\"")):
        return LineVerdict(drop=True)
    if len(words) <= 15 and _ISSUE_LABEL.match(line) and _ISSUE_DATE.search(line) and not line.rstrip().endswith((".", "!", "?")):
        return LineVerdict(drop=True)
    if len(words) <= 60 and _PRICE.search(line) and _SHOP.search(line):
        return LineVerdict(drop=True)
    if len(words) <= _NEWSLETTER_WORDS and _NEWSLETTER.search(line) and _SIGNUP_INVITE.search(line):
        return LineVerdict(drop=True)
    if len(words) <= _PRINT_PROMO_WORDS and _is_print_promotion(line):
        return LineVerdict(drop=True)
    if len(words) <= 20 and _BREADCRUMB.match(line):
        return LineVerdict(drop=True)
    if len(words) == 1 and _PLACEHOLDER.match(line):
        return LineVerdict(drop=True)
    if short and (name := is_logo(line)):
        return LineVerdict(drop=True, outlet=name)
    if len(words) <= 20 and (_NAME_AGENCY.match(line) or _CREDIT.search(line)):
        return LineVerdict(drop=True, credit=_credit_agency(line))
    if is_caption(line):
        return LineVerdict(drop=True)
    if (found := dateline(line)) is not None:
        return LineVerdict(drop=False, outlet=found[0])
    return None


def _is_print_promotion(line: str) -> bool:
    """Whether a short line sends the reader to the paper: a call and a place where it is sold or read, the rest of
    the piece elsewhere, our piece in the paper's editions, the paper of a day (see `_PRINT_CALL`, `_PRINT_PLACE`)."""
    if (call := _PRINT_CALL.match(line)) and (
        _PRINT_PLACE.search(line) or (call.group("order") and (_BOOKSHOP.search(line) or _REST_ELSEWHERE.match(line)))
    ):
        return True
    if _OWN_PIECE.match(line) and _PRINT_PLACE.search(line):
        return True  # « Notre reportage dans L'Avenir de ce samedi », « Notre dossier sur iPad et en PDF »
    return bool(_OWN_PIECE_ELSEWHERE.match(line) or _PAPER_OF_THE_DAY.match(line))


def _without_promotion_tail(line: str) -> str:
    """The line without a last sentence that sends the reader to the paper (« …aussi déloyales
    qu’incontrôlables. Le point sur la question dans l’édition Centre de La Nouvelle Gazette de ce
    mercredi »; see `_is_print_promotion`); else the line. Only the last 300 characters are split."""
    body = line.rstrip()
    tail = body[-300:]
    spans = split_sentences(tail)
    if len(spans) < 2:
        return line
    start, end = spans[-1]
    sentence = tail[start:end]
    if len(sentence.split()) > _PRINT_PROMO_WORDS or not _is_print_promotion(sentence):
        return line
    return body[: len(body) - len(tail) + start].rstrip()


def is_read_also(label: str) -> bool:
    """Whether a short text is a « Lire aussi / À lire aussi / Voir aussi / Lire : » label announcing
    another article, or a « En savoir plus » one (TF1 Info's related story) — the caller checks that a link
    follows: « Lire : » alone opens sentences too."""
    label = " ".join(label.split())
    return len(label.split()) <= 6 and bool(_READ_ALSO.match(label) or _READ_LABEL.match(label) or _MORE_LABEL.match(label))


def is_about_heading(text: str) -> bool:
    """Whether a short text heads a box about the source or the author (« Source de l'article », « À propos de l'auteur »)."""
    return len(text.split()) <= 6 and bool(_ABOUT.match(" ".join(text.split())))


def is_ad_heading(text: str) -> bool:
    """Whether a short text heads a block of ads (« Publicités », « Liens publicitaires », "Sponsored links")."""
    return len(text.split()) <= 4 and bool(_AD_HEADING.match(" ".join(text.split())))


def is_logo(line: str) -> str | None:
    """The outlet a logo line names ("Logo Epoch Times" → "Epoch Times"), else None."""
    m = _LOGO.match(line.strip())
    if not m:
        return None
    name = (m.group("a") or m.group("b") or "").strip(" .:-–—|")
    if not name or len(name.split()) > 5 or not name[0].isupper():
        return None
    return name


def dateline(text: str) -> tuple[str, tuple[int, int, int]] | None:
    """The agency and (year, month, day) of a wire dateline opening `text`, else None."""
    m = _DATELINE.match(text.strip())
    if not m:
        return None
    day = 1 if m.group("day").lower() == "1er" else int(m.group("day"))
    agency = next(v for v in AGENCIES.values() if v.lower() == m.group("agency").lower())
    return agency, (int(m.group("year")), MONTHS[m.group("month").lower()], day)


def _credit_agency(line: str) -> str | None:
    """The news agency a credit names, photo-only agencies (Getty) aside; the last one wins ("Sputnik/AFP")."""
    found = [m.group(1) for m in _CREDIT_AGENCY.finditer(line)]
    names = [next(v for v in AGENCIES.values() if v.lower() == f.lower()) for f in found]
    names = [n for n in names if n not in _PHOTO_ONLY]
    return names[-1] if names else None


def strip_blocks(lines: list[str]) -> list[str]:
    """The article's lines without the blocks line rules cannot see (see the module docstring).

    Everything after a paywall notice goes; so does everything after a heading of related articles,
    teasers or comments past the first 30 % of the lines or after three paragraphs of text, and a list
    of teasers set off by list marks that ends the text (before such a heading, or at the end); a
    « Lire aussi » line goes with the title it announces on the next line; inline « (Lire aussi : …) » links go.
    """
    kept: list[tuple[int, str]] = []
    skip_next = False
    total = len(lines)
    paragraphs = 0
    read_at: list[int] = []  # paragraphs read at each line: the article has been read once enough are
    stop = total
    for i, line in enumerate(lines):
        read_at.append(paragraphs)
        read = i >= total * _TAIL_SHARE or paragraphs >= _TAIL_PARAGRAPHS  # the article has been read by here
        if skip_next:
            skip_next = False
            if len(line.split()) <= 25:
                continue
        stripped = line.strip()
        if paragraphs == 0 and _SUBSCRIBER_BADGE.match(stripped):
            continue  # a subscriber's badge over the text (« Réservé aux abonnés »): no paragraph of it read yet, nothing cut
        if _PAYWALL_END.match(stripped) or (_AFTER_ARTICLE.match(stripped) and read):
            stop = i
            break
        if cut := _PAYWALL_TAIL.search(stripped):
            kept.append((i, stripped[: cut.start()].rstrip()))
            stop = i + 1
            break
        paragraphs += len(stripped.split()) >= _PARAGRAPH_WORDS
        if _READ_ALSO.match(stripped):
            rest = _READ_ALSO.sub("", stripped, count=1).strip(" :»>-–—")
            # "Lire aussi :" alone, or "Lire aussi Martine Bulard &": the title follows on the next line.
            skip_next = not rest or len(rest.split()) <= 3 or bool(re.search(r"[&,:]\s*$|\b(?:et|and)$", rest))
            continue
        if _AFTER_ARTICLE.match(stripped):
            continue
        # Date stamps: an extracted page's date is already read from the page (a text file's
        # header lines, which `classify` sees, still give theirs). « (13/01/2013) » is one too.
        bare = stripped.strip("()[] ")
        if len(stripped.split()) <= 20 and (_STAMP.match(stripped) or _DATE_ONLY.match(bare)):
            continue
        if _BULLET.match(stripped) or not any(c.isalnum() for c in stripped):
            continue  # a list mark alone, a rule of dashes (« ------------------- », Grazia), is no text
        if len(stripped.split()) <= _CLICK_WORDS and (m := _CLICK.search(stripped)) and not _QUOTE_MARK.search(stripped[: m.start()]):
            continue  # the label of a link, not the article's words
        if is_furniture(stripped):
            continue
        line = _without_promotion_tail(_INLINE_READ_ALSO.sub("", line))
        if line.strip():
            kept.append((i, line))
    # A list of teasers ends the text where it stands: at the end, or before the heading that cut the rest.
    list_from = _trailing_list(lines[:stop])
    if list_from is not None and (list_from >= total * _TAIL_SHARE or read_at[list_from] >= _TAIL_PARAGRAPHS):
        kept = [(i, line) for i, line in kept if i < list_from]
    return _without_dangling_label([line for _, line in kept])


def _is_list_mark(line: str) -> bool:
    """A bare list mark (« - »), or an item of a list of other articles: a mark, then a headline
    (at most `_ITEM_WORDS` words, not ending as a sentence or a clause of one does)."""
    line = line.strip()
    if _BULLET.match(line):
        return True
    if not _ITEM.match(line) or len(line.split()) > _ITEM_WORDS + 1 or line.endswith((".", ";", ",", ":")):
        return False
    # « - 2 décembre 2019 : Reportage JT 13 heures… » is an entry of a chronology or a press review the
    # page keeps, not a teaser: a teaser is a headline.
    return not _DATED_ITEM.match(line[1:].lstrip())


def _trailing_list(lines: list[str]) -> int | None:
    """Where a list of teasers set off by list marks ends the page (see `_BULLET`, `_ITEM`), else None."""
    marks = [i for i, line in enumerate(lines) if _is_list_mark(line)]
    if len(marks) < _LIST_MARKS or len(lines) - 1 - marks[-1] > _LIST_GAP:
        return None
    start = len(marks) - 1
    while start > 0 and marks[start] - marks[start - 1] - 1 <= _LIST_GAP:
        start -= 1
    return marks[start] if len(marks) - start >= _LIST_MARKS else None


def _without_dangling_label(lines: list[str]) -> list[str]:
    """The lines without a short label ending them (« + Actualisation continue: », « Les statistiques du Portugal en
    Coupe du monde : »): it announced what a rule or the extraction took out after it, and is no text alone."""
    while lines and lines[-1].rstrip().endswith(":") and (
        len(lines[-1].split()) <= _LABEL_WORDS
        or (len(lines[-1].split()) <= _BOX_LABEL_WORDS and not _BOX_LABEL_STOP.search(lines[-1].rstrip()[:-1]))
    ):
        lines = lines[:-1]
    return lines
