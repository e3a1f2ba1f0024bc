"""The example texts of the SYNTHETIC client-work exports (`sosrap.demo.clientwork`), in Finnish and
in Swedish: what a social worker might write in a phenomenon report, what a resident might answer.
They are data the synthetic exports are drawn from, not words the report writes (those are in
`sosrap.report.wording`)."""
from __future__ import annotations

FRAGMENTS_FI = {
    "toimeentulo": ["Asiakkailla on yhä useammin maksuhäiriömerkintöjä ja pikavippejä.",
                    "Toimeentulotuen käsittelyajat venyvät ja asiakkaat jäävät ilman rahaa kuun lopussa.",
                    "Energian ja ruoan hinnan nousu näkyy ruoka-avun tarpeena."],
    "asuminen": ["Vuokra-asuntoja ei löydy, kun luottotiedot ovat menneet.",
                 "Nuoria jää asunnottomiksi itsenäistymisen jälkeen.",
                 "Häätöuhkia tulee tietoon liian myöhään."],
    "mielenterveys": ["Matalan kynnyksen mielenterveyspalveluihin on pitkät jonot.",
                      "Nuorten ahdistus ja koulupudokkuus kytkeytyvät yhteen.",
                      "Asiakkaat putoavat palveluiden väliin, kun hoitovastuu on epäselvä."],
    "paihteet": ["Päihdekuntoutukseen pääsy vaatii useita yhteydenottoja.",
                 "Rahapeliongelmat näkyvät velkaantumisena.",
                 "Huumeiden käyttö on lisääntynyt pienillä paikkakunnilla."],
    "yksinaisyys": ["Ikääntyneet asiakkaat kertovat yksinäisyydestä ja turvattomuudesta.",
                    "Harrastusmahdollisuudet puuttuvat syrjäkylillä.",
                    "Vertaistukiryhmät ovat loppuneet rahoituksen päätyttyä."],
    "lapsiperheet": ["Vanhemmat uupuvat, kun perhetyötä ei saa ajoissa.",
                     "Lastenhoitoapua ei ole saatavilla iltaisin.",
                     "Eroperheiden riidat kuormittavat lapsia."],
    "saavutettavuus": ["Palvelupisteen sulkeminen pidentää matkoja kymmeniä kilometrejä.",
                       "Julkinen liikenne ei kulje vastaanottoaikoina.",
                       "Asiakkaat eivät tiedä, mihin ottaa yhteyttä."],
    "digiasiointi": ["Sähköinen asiointi ei onnistu ilman pankkitunnuksia.",
                     "Ikääntyneet tarvitsevat apua lomakkeiden täyttämisessä.",
                     "Chat-palvelu ei korvaa henkilökohtaista tapaamista."],
    "tyo_koulutus": ["Pitkäaikaistyöttömät eivät pääse kuntouttavaan työtoimintaan.",
                     "Kotoutujien kielikoulutukseen on jonoa.",
                     "Nuoret keskeyttävät toisen asteen opinnot."],
    "vakivalta": ["Lähisuhdeväkivalta tulee esiin vasta kriisissä.",
                  "Turvakotipaikkoja ei ole lähellä."],
}
ACTIONS_FI = [("palvelu", "Perustetaan matalan kynnyksen palvelupiste yhteistyössä järjestöjen kanssa."),
            ("ohjeistus", "Laaditaan yhteinen ohje palveluohjauksesta palvelualueiden välillä."),
            ("resurssit", "Lisätään sosiaaliohjaajien resursseja jonojen purkamiseksi."),
            ("yhteistyo", "Sovitaan säännöllinen yhteistyö kunnan asuntotoimen kanssa."),
            ("tiedotus", "Tiedotetaan palveluista selkokielellä ja useilla kielillä."),
            ("muu", "Selvitetään ilmiön laajuus seuraavassa raportissa.")]
OPEN_FI = {
    "kehitettavaa": ["Toivoisin, että ajan saisi nopeammin ja samalle työntekijälle.",
                     "Puhelimeen pitäisi vastata, nyt jonotan joka kerta pitkään.",
                     "Sähköiset lomakkeet ovat vaikeita, tarvitsen apua niiden täyttämiseen.",
                     "Palveluista pitäisi kertoa selkeämmin ja yhdessä paikassa.",
                     "Kylälle tarvittaisiin oma palvelupiste, matkat ovat pitkiä."],
    "hyvaa": ["Työntekijä kuunteli ja otti tilanteeni vakavasti.",
              "Sain apua nopeasti, kun tilanne oli vaikea.",
              "Kotikäynnit ovat olleet todella tärkeitä meidän perheelle.",
              "Vertaisryhmä auttoi jaksamaan arjessa."],
}

# The same in Swedish, for a Swedish edition's synthetic exports (the codes are the edition's).
FRAGMENTS_SV = {
    "toimeentulo": ["Allt fler klienter har betalningsanmärkningar och snabblån.",
                    "Handläggningen av utkomststödet drar ut på tiden och klienterna blir utan pengar i slutet av månaden.",
                    "De stigande priserna på energi och mat syns i behovet av mathjälp."],
    "asuminen": ["Det går inte att hitta en hyresbostad när kreditupplysningarna är förlorade.",
                 "Unga blir bostadslösa efter att de flyttat hemifrån.",
                 "Hot om vräkning kommer till kännedom för sent."],
    "mielenterveys": ["Köerna till lågtröskeltjänsterna inom mentalvården är långa.",
                      "De ungas ångest och studieavbrott hänger ihop.",
                      "Klienterna faller mellan tjänsterna när vårdansvaret är oklart."],
    "paihteet": ["För att komma till missbrukarrehabilitering krävs flera kontakter.",
                 "Spelproblem syns som skuldsättning.",
                 "Narkotikabruket har ökat på de mindre orterna."],
    "yksinaisyys": ["Äldre klienter berättar om ensamhet och otrygghet.",
                    "I byarna saknas möjligheter till fritidsaktiviteter.",
                    "Kamratstödsgrupperna har upphört när finansieringen tog slut."],
    "lapsiperheet": ["Föräldrarna blir utmattade när de inte får familjearbete i tid.",
                     "Barnpassning finns inte att få på kvällarna.",
                     "Konflikterna i skilsmässofamiljer belastar barnen."],
    "saavutettavuus": ["När servicepunkten stängs blir resorna flera tiotals kilometer längre.",
                       "Kollektivtrafiken går inte under mottagningstiderna.",
                       "Klienterna vet inte vart de ska vända sig."],
    "digiasiointi": ["Det går inte att uträtta ärenden elektroniskt utan bankkoder.",
                     "Äldre behöver hjälp med att fylla i blanketter.",
                     "Chattjänsten ersätter inte ett personligt möte."],
    "tyo_koulutus": ["Långtidsarbetslösa får ingen plats i arbetsverksamhet i rehabiliteringssyfte.",
                     "Det är kö till språkutbildningen för invandrare.",
                     "Unga avbryter studierna på andra stadiet."],
    "vakivalta": ["Våld i nära relationer kommer fram först i en kris.",
                  "Det finns inga skyddshemsplatser i närheten."],
}
ACTIONS_SV = [("palvelu", "En lågtröskelservicepunkt inrättas i samarbete med organisationerna."),
              ("ohjeistus", "En gemensam anvisning om servicehandledning mellan serviceområdena utarbetas."),
              ("resurssit", "Socialhandledarnas resurser utökas för att korta köerna."),
              ("yhteistyo", "Ett regelbundet samarbete med kommunens bostadsväsende avtalas."),
              ("tiedotus", "Tjänsterna informeras om på lättläst språk och på flera språk."),
              ("muu", "Fenomenets omfattning utreds i nästa rapport.")]
OPEN_SV = {
    "kehitettavaa": ["Jag önskar att man fick tid snabbare och hos samma arbetstagare.",
                     "Man borde svara i telefon, nu köar jag länge varje gång.",
                     "De elektroniska blanketterna är svåra, jag behöver hjälp att fylla i dem.",
                     "Tjänsterna borde presenteras tydligare och på ett ställe.",
                     "Byn skulle behöva en egen servicepunkt, resorna är långa."],
    "hyvaa": ["Arbetstagaren lyssnade och tog min situation på allvar.",
              "Jag fick hjälp snabbt när situationen var svår.",
              "Hembesöken har varit mycket viktiga för vår familj.",
              "Kamratgruppen hjälpte mig att orka i vardagen."],
}

#: the example texts by language: fragments per category, actions, open answers and the filler sentences
TEXTS = {
    "fi": {"fragments": FRAGMENTS_FI, "actions": ACTIONS_FI, "open": OPEN_FI,
           "default": "Ilmiö näkyy asiakastyössä.", "concerns": " Havainto koskee erityisesti {} asiakkaita.",
           "many": "useita", "few": "muutamia", "no_comment": "Ei kommentoitavaa.",
           "survey_municipalities": ("Oulu", "Raahe"),
           "plant": {"wrapped": " Asiakkaan tunnus {a}\n{b} näkyi liitteessä.",
                     "glued": " Asiakasnro{code}hyväksytty tarkistettavaksi.",
                     "code": " Esimerkkinä asiakas ({code}), jonka tilanne on pitkittynyt.",
                     "phone": " Lisätietoja numerosta {phone}.", "contact": " Yhteyshenkilö {mail}.",
                     "mail": " Asiakas lähetti viestin osoitteesta {mail}.",
                     "name": " Asiakas {name} kertoi tilanteesta itse.",
                     "survey": ["Soittakaa minulle {phone}, hetu {code}.", "Kirjoittakaa {mail} niin kerron lisää.",
                                "Työntekijä {name} auttoi paljon, kiitos!",
                                "Minun tunnukseni on {code} ja asia on kesken."]}},
    "sv": {"fragments": FRAGMENTS_SV, "actions": ACTIONS_SV, "open": OPEN_SV,
           "default": "Fenomenet syns i klientarbetet.", "concerns": " Iakttagelsen gäller särskilt {} klienter.",
           "many": "flera", "few": "några", "no_comment": "Inget att kommentera.",
           "survey_municipalities": ("Vasa", "Jakobstad"),
           "plant": {"wrapped": " Klientens personbeteckning {a}\n{b} syntes i bilagan.",
                     "glued": " Klientnr{code}godkänd för granskning.",
                     "code": " Till exempel klienten ({code}), vars situation har dragit ut på tiden.",
                     "phone": " Mer information på numret {phone}.", "contact": " Kontaktperson {mail}.",
                     "mail": " Klienten skickade ett meddelande från adressen {mail}.",
                     "name": " Klienten {name} berättade själv om situationen.",
                     "survey": ["Ring mig på {phone}, personbeteckning {code}.", "Skriv till {mail} så berättar jag mer.",
                                "Arbetstagaren {name} hjälpte mycket, tack!",
                                "Min personbeteckning är {code} och ärendet är oavslutat."]}},
}


def texts(language: str = "fi") -> dict:
    """The example texts in *language* (Finnish when there are none in it)."""
    return TEXTS.get(language, TEXTS["fi"])
