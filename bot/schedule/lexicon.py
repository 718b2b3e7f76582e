"""Words people use to ask about the programme, per language, as plain data.

Each phrase maps to tags: days (``today``, ``tomorrow``, ``after_tomorrow``, ``wd0``..``wd6``,
``day1``..``day3``, ``day_last``), parts of day (``morning``, ``afternoon``, ``evening``) and
intents (``now``, ``next``, ``when``, ``where``, ``who``, ``whats_on``). ``ignore`` swallows a
phrase that would otherwise mislead (German "guten Morgen" is a greeting, not a time). Phrases
are written naturally; the query module folds accents and case before matching.
"""

from __future__ import annotations

Lexicon = dict[str, tuple[str, ...]]

_EN: Lexicon = {
    "today": ("today",),
    "tomorrow": ("tomorrow",),
    "day after tomorrow": ("after_tomorrow",),
    "this morning": ("today", "morning"),
    "this afternoon": ("today", "afternoon"),
    "this evening": ("today", "evening"),
    "tonight": ("today", "evening"),
    "morning": ("morning",),
    "afternoon": ("afternoon",),
    "evening": ("evening",),
    "monday": ("wd0",),
    "tuesday": ("wd1",),
    "wednesday": ("wd2",),
    "thursday": ("wd3",),
    "friday": ("wd4",),
    "saturday": ("wd5",),
    "sunday": ("wd6",),
    "first day": ("day1",),
    "second day": ("day2",),
    "third day": ("day3",),
    "last day": ("day_last",),
    "now": ("now",),
    "right now": ("now",),
    "currently": ("now",),
    "at the moment": ("now",),
    "going on": ("now",),
    "next": ("next",),
    "coming up": ("next",),
    "upcoming": ("next",),
    "when": ("when",),
    "what time": ("when",),
    "which day": ("when",),
    "where": ("where",),
    "which room": ("where",),
    "what room": ("where",),
    "who": ("who",),
    "speaks": ("who",),
    "speaking": ("who",),
    "speaker": ("who",),
    "speakers": ("who",),
    "what's on": ("whats_on",),
    "whats on": ("whats_on",),
    "what is on": ("whats_on",),
    "what's happening": ("whats_on",),
    "what is happening": ("whats_on",),
    "programme": ("whats_on",),
    "program": ("whats_on",),
    "schedule": ("whats_on",),
    "agenda": ("whats_on",),
    "good morning": ("ignore",),
}

_DE: Lexicon = {
    "heute": ("today",),
    "morgen": ("tomorrow",),
    "übermorgen": ("after_tomorrow",),
    "heute morgen": ("today", "morning"),
    "heute früh": ("today", "morning"),
    "morgen früh": ("tomorrow", "morning"),
    "am morgen": ("morning",),
    "morgens": ("morning",),
    "vormittag": ("morning",),
    "vormittags": ("morning",),
    "nachmittag": ("afternoon",),
    "nachmittags": ("afternoon",),
    "abend": ("evening",),
    "abends": ("evening",),
    "heute abend": ("today", "evening"),
    "montag": ("wd0",),
    "dienstag": ("wd1",),
    "mittwoch": ("wd2",),
    "donnerstag": ("wd3",),
    "freitag": ("wd4",),
    "samstag": ("wd5",),
    "sonntag": ("wd6",),
    "erster tag": ("day1",),
    "ersten tag": ("day1",),
    "zweiten tag": ("day2",),
    "dritten tag": ("day3",),
    "letzten tag": ("day_last",),
    "jetzt": ("now",),
    "gerade": ("now",),
    "im moment": ("now",),
    "aktuell": ("now",),
    "momentan": ("now",),
    "nächste": ("next",),
    "nächster": ("next",),
    "nächstes": ("next",),
    "als nächstes": ("next",),
    "danach": ("next",),
    "wann": ("when",),
    "um wie viel uhr": ("when",),
    "wo": ("where",),
    "welcher raum": ("where",),
    "welchem raum": ("where",),
    "in welchem raum": ("where",),
    "wer": ("who",),
    "spricht": ("who",),
    "redet": ("who",),
    "referent": ("who",),
    "referentin": ("who",),
    "was läuft": ("whats_on",),
    "was gibt es": ("whats_on",),
    "was gibt's": ("whats_on",),
    "was ist los": ("whats_on",),
    "programm": ("whats_on",),
    "guten morgen": ("ignore",),
}

_ES: Lexicon = {
    "hoy": ("today",),
    "mañana": ("tomorrow",),
    "pasado mañana": ("after_tomorrow",),
    "por la mañana": ("morning",),
    "de la mañana": ("morning",),
    "en la mañana": ("morning",),
    "esta mañana": ("today", "morning"),
    "tarde": ("afternoon",),
    "por la tarde": ("afternoon",),
    "esta tarde": ("today", "afternoon"),
    "noche": ("evening",),
    "por la noche": ("evening",),
    "esta noche": ("today", "evening"),
    "lunes": ("wd0",),
    "martes": ("wd1",),
    "miércoles": ("wd2",),
    "jueves": ("wd3",),
    "viernes": ("wd4",),
    "sábado": ("wd5",),
    "domingo": ("wd6",),
    "primer día": ("day1",),
    "segundo día": ("day2",),
    "tercer día": ("day3",),
    "último día": ("day_last",),
    "ahora": ("now",),
    "ahora mismo": ("now",),
    "en este momento": ("now",),
    "actualmente": ("now",),
    "próxima": ("next",),
    "próximo": ("next",),
    "siguiente": ("next",),
    "cuándo": ("when",),
    "a qué hora": ("when",),
    "qué día": ("when",),
    "dónde": ("where",),
    "en qué sala": ("where",),
    "qué sala": ("where",),
    "quién": ("who",),
    "quiénes": ("who",),
    "ponente": ("who",),
    "habla": ("who",),
    "qué hay": ("whats_on",),
    "qué pasa": ("whats_on",),
    "programa": ("whats_on",),
    "buenos días": ("ignore",),
}

_FR: Lexicon = {
    "aujourd'hui": ("today",),
    "demain": ("tomorrow",),
    "après-demain": ("after_tomorrow",),
    "ce matin": ("today", "morning"),
    "matin": ("morning",),
    "matinée": ("morning",),
    "après-midi": ("afternoon",),
    "cet après-midi": ("today", "afternoon"),
    "soir": ("evening",),
    "soirée": ("evening",),
    "ce soir": ("today", "evening"),
    "lundi": ("wd0",),
    "mardi": ("wd1",),
    "mercredi": ("wd2",),
    "jeudi": ("wd3",),
    "vendredi": ("wd4",),
    "samedi": ("wd5",),
    "dimanche": ("wd6",),
    "premier jour": ("day1",),
    "deuxième jour": ("day2",),
    "troisième jour": ("day3",),
    "dernier jour": ("day_last",),
    "maintenant": ("now",),
    "en ce moment": ("now",),
    "actuellement": ("now",),
    "en cours": ("now",),
    "prochaine": ("next",),
    "prochain": ("next",),
    "suivante": ("next",),
    "suivant": ("next",),
    "quand": ("when",),
    "à quelle heure": ("when",),
    "quel jour": ("when",),
    "où": ("where",),
    "c'est où": ("where",),
    "où est": ("where",),
    "où se trouve": ("where",),
    "quelle salle": ("where",),
    "dans quelle salle": ("where",),
    "qui": ("who",),
    "intervenant": ("who",),
    "intervenante": ("who",),
    "parle": ("who",),
    "qu'est-ce qu'il y a": ("whats_on",),
    "qu'y a-t-il": ("whats_on",),
    "il y a quoi": ("whats_on",),
    "programme": ("whats_on",),
    "bonjour": ("ignore",),
}

_PT: Lexicon = {
    "hoje": ("today",),
    "amanhã": ("tomorrow",),
    "depois de amanhã": ("after_tomorrow",),
    "de manhã": ("morning",),
    "pela manhã": ("morning",),
    "manhã": ("morning",),
    "esta manhã": ("today", "morning"),
    "à tarde": ("afternoon",),
    "de tarde": ("afternoon",),
    "tarde": ("afternoon",),
    "esta tarde": ("today", "afternoon"),
    "à noite": ("evening",),
    "noite": ("evening",),
    "esta noite": ("today", "evening"),
    "segunda-feira": ("wd0",),
    "terça-feira": ("wd1",),
    "terça": ("wd1",),
    "quarta-feira": ("wd2",),
    "quarta": ("wd2",),
    "quinta-feira": ("wd3",),
    "quinta": ("wd3",),
    "sexta-feira": ("wd4",),
    "sexta": ("wd4",),
    "sábado": ("wd5",),
    "domingo": ("wd6",),
    "primeiro dia": ("day1",),
    "segundo dia": ("day2",),
    "terceiro dia": ("day3",),
    "último dia": ("day_last",),
    "agora": ("now",),
    "agora mesmo": ("now",),
    "neste momento": ("now",),
    "atualmente": ("now",),
    "próxima": ("next",),
    "próximo": ("next",),
    "seguinte": ("next",),
    "quando": ("when",),
    "a que horas": ("when",),
    "que dia": ("when",),
    "onde": ("where",),
    "em que sala": ("where",),
    "qual sala": ("where",),
    "quem": ("who",),
    "palestrante": ("who",),
    "fala": ("who",),
    "o que há": ("whats_on",),
    "o que tem": ("whats_on",),
    "programação": ("whats_on",),
    "bom dia": ("ignore",),
}

LEXICONS: dict[str, Lexicon] = {"en": _EN, "de": _DE, "es": _ES, "fr": _FR, "pt": _PT}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that carry no topic: removed before matching titles, speakers and rooms.
STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the a an is are was on about of for in at to and or with by does do did it this that"
        " there session sessions talk talks event events me i you please show tell what which"
        " s will be held take takes place can find give list all any who's when's where's"
        " going happen happens"
    ),
    "de": _words(
        "der die das den dem des ein eine einen einer ist sind zu zum zur uber von mit im in am"
        " um und oder fur es gibt welche welcher welches was sitzung veranstaltung bitte findet"
        " statt sich mir ich zeig zeige"
    ),
    "es": _words(
        "el la los las un una unos de del en es son sobre que para con y o al se sesion hay"
        " esta este por me muestra dime cual cuales lugar tiene"
    ),
    "fr": _words(
        "le la les l un une des de du d est c sur pour avec et en au aux quel quelle quelles"
        " quels se session seance s il y a ce cette qu que lieu ou me moi montre dis"
    ),
    "pt": _words(
        "o a os as um uma de do da dos das em no na nos nas e ou sobre para com que qual ha"
        " sessao me mostra diz acontece onde"
    ),
}


def _groups(text: str) -> tuple[tuple[str, ...], ...]:
    groups = (" ".join(group.split()) for group in text.split(";"))
    return tuple(tuple(word.strip() for word in group.split(",")) for group in groups if group)


# The programme's own words in the forum's five languages, a group of equivalents ending with
# ";" (folded: lower case, no accents; a member may be a phrase). A question's word found here
# also matches titles through the other members, so that "wann ist die Mittagspause?" finds
# "Lunch break" in a programme the organisers wrote in English only.
TOPICS: tuple[tuple[str, ...], ...] = _groups(
    """
workshop, taller, atelier, oficina, workshops, talleres, ateliers, oficinas;
lunch, lunch break, mittagessen, mittagspause, mittag, almuerzo, comida, dejeuner, almoco;
break, pause, pausa, descanso, intervalo, coffee break, kaffeepause, pause cafe, pausa cafe;
coffee, kaffee, cafe;
dinner, abendessen, cena, diner, jantar;
reception, empfang, recepcion, recepcao;
breakfast, fruhstuck, desayuno, petit dejeuner, pequeno almoco;
procurement, beschaffung, vergabe, contratacion, compras publicas, compras, adquisiciones,
    marches publics, achats publics, achats, contratacao, aquisicoes, licitacao, licitacoes;
electronic, elektronisch, elektronische, electronica, electronico, electronique, eletronica,
    eletronico, digital, digitale;
plenary, plenum, plenarsitzung, plenaria, plenario, pleniere, pleniere;
opening, eroffnung, apertura, inauguracion, ouverture, abertura;
closing, abschluss, clausura, cierre, cloture, encerramento;
welcome, begrussung, willkommen, bienvenida, bienvenue, boas vindas, acolhimento;
registration, anmeldung, registrierung, registro, inscripcion, acreditacion, inscription,
    accueil, inscricao, credenciamento;
panel, podium, podiumsdiskussion, mesa redonda, table ronde, painel;
keynote, impulsvortrag, hauptvortrag, conferencia magistral, conference pleniere, palestra
    principal;
networking, vernetzung, netzwerken, contactos, reseautage, contatos;
excursion, exkursion, ausflug, visita, visite, site visit, besichtigung;
sustainable, nachhaltig, nachhaltige, nachhaltigen, sostenible, sostenibles, durable, durables,
    sustentavel, sustentaveis;
sustainability, nachhaltigkeit, sostenibilidad, durabilite, sustentabilidade;
green, grun, grune, grunen, verde, verdes, vert, verte, vertes;
public, offentlich, offentliche, offentlichen, publico, publica, publicos, publicas, public,
    publique, publics;
strategic, strategisch, strategische, estrategico, estrategica, strategique;
transparency, transparenz, transparencia, transparence;
integrity, integritat, integridad, integrite, integridade;
municipal, municipalities, kommunal, kommunen, gemeinden, municipios, municipalidades,
    communes, collectivites, municipais;
city, cities, stadt, stadte, ciudad, ciudades, ville, villes, cidade, cidades;
climate, klima, clima, climat;
circular economy, kreislaufwirtschaft, economia circular, economie circulaire;
innovation, innovationen, innovacion, inovacao;
social, sozial, soziale, sociales, sociais;
training, schulung, fortbildung, capacitacion, formation, formacao, capacitacao;
exchange, austausch, intercambio, echange, troca;
regional, regionale, regionales, regionais;
contracts, contract, vertrag, vertrage, contratos, contrato, contrats, contrat;
data, daten, datos, donnees, dados;
law, gesetz, recht, ley, loi, lei, legal framework, rechtsrahmen, marco legal, cadre juridique,
    quadro legal;
"""
)
