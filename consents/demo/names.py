"""What the demo board is made of: its purposes and texts, Dutch names, the demo logins.

The board generator of the benchmarks draws its names from here too.
"""

BOARD_NAME = "CVO Baarn/Soest"
# Demo board; parents use codes.
DEMO_PASSWORD = "demo-wachtwoord-2026"  # nosec B105

# The purposes of the Dutch model consent form for images (Kennisnet / PO-Raad / VO-raad).
PURPOSES = [
    (
        "schoolgids",
        "Schoolgids en brochures",
        "School guide and brochures",
        "Foto's en video's in de schoolgids, folders en andere drukwerken van de school.",
        "Photos and videos in the school guide, leaflets and other printed matter.",
    ),
    (
        "nieuwsbrief",
        "Nieuwsbrief",
        "Newsletter",
        "De (digitale) nieuwsbrief die naar ouders en leerlingen gaat.",
        "The (digital) newsletter sent to parents and students.",
    ),
    (
        "website",
        "Website van de school",
        "School website",
        "De openbare website van de school.",
        "The school's public website.",
    ),
    (
        "sociale-media",
        "Sociale media van de school",
        "School social media",
        "De accounts van de school op Instagram, Facebook, LinkedIn en YouTube.",
        "The school's accounts on Instagram, Facebook, LinkedIn and YouTube.",
    ),
    (
        "ouderportaal",
        "Ouderportaal",
        "Parent portal",
        "Het afgeschermde ouderportaal, alleen zichtbaar voor ouders van de school.",
        "The closed parent portal, visible only to parents of the school.",
    ),
    (
        "jaarboek",
        "Jaarboek",
        "Yearbook",
        "Het jaarboek dat aan leerlingen wordt uitgereikt.",
        "The yearbook given to students.",
    ),
    (
        "personeel-social",
        "Sociale media van personeel",
        "Staff personal social media",
        "Berichten van medewerkers op hun eigen sociale media over schoolactiviteiten.",
        "Posts by staff on their own social media about school activities.",
    ),
    (
        "pers",
        "Pers",
        "Press",
        "Foto's en film door journalisten, bijvoorbeeld bij een bezoek aan school.",
        "Photos and film by journalists, for example during a visit to the school.",
    ),
]

TEXT_NL = (
    "Wij vragen uw toestemming om beeldmateriaal (foto, film en geluid) waarop {subject} "
    "herkenbaar is te gebruiken voor: {purpose}. {description} U kunt uw toestemming altijd "
    "intrekken; dat geldt vanaf dat moment en niet voor wat al gepubliceerd is. Wat online is "
    "gezet, kan ook na verwijdering openbaar blijven."
)
TEXT_EN = (
    "We ask your consent to use images (photo, film and sound) in which {subject} can be "
    "recognised for: {purpose}. {description} You can withdraw your consent at any time; "
    "that applies from then on and not to what was already published. What is put online may "
    "stay public even after it is removed."
)

FIRST_NAMES = [
    "Daan",
    "Sem",
    "Lucas",
    "Milan",
    "Levi",
    "Finn",
    "Bram",
    "Noah",
    "Jesse",
    "Thijs",
    "Emma",
    "Julia",
    "Mila",
    "Sophie",
    "Tess",
    "Zoë",
    "Sara",
    "Nora",
    "Fleur",
    "Lotte",
    "Yara",
    "Noor",
    "Anouk",
    "Mohamed",
    "Ayoub",
    "Elif",
    "Emre",
    "Sanne",
    "Brontë",
    "Chloë",
]
LAST_NAMES = [
    ("", "Jansen"),
    ("de", "Vries"),
    ("van den", "Berg"),
    ("", "Bakker"),
    ("van", "Dijk"),
    ("", "Visser"),
    ("", "Smit"),
    ("", "Meijer"),
    ("de", "Boer"),
    ("", "Mulder"),
    ("de", "Groot"),
    ("", "Bos"),
    ("", "Vos"),
    ("", "Peters"),
    ("", "Hendriks"),
    ("van der", "Linden"),
    ("", "Çelik"),
    ("", "Yılmaz"),
    ("El", "Amrani"),
    ("", "Kramer"),
]
DEMO_LOGINS = {
    "administrator (password)": ("admin@example.org", DEMO_PASSWORD),
    "communications staff (password)": ("communicatie@example.org", DEMO_PASSWORD),
    "(G)MR member (password)": ("gmr@example.org", DEMO_PASSWORD),
    "staff member (code by email)": ("docent@example.org", ""),
    "guardian; the two guardians disagree (code)": ("mark.devries@example.org", ""),
    "the other guardian (code)": ("sanne.bakker@example.org", ""),
    "guardian of a student turning 16 this week (code)": ("ouder.celik@example.org", ""),
    "student of 17 (code)": ("bronte.jansen@example.org", ""),
}

GUARDIAN_FIRST = [
    "Mark",
    "Sanne",
    "Peter",
    "Inge",
    "Ahmed",
    "Fatima",
    "Jeroen",
    "Marieke",
    "Kees",
    "Ellen",
    "Hasan",
    "Ayşe",
    "Joost",
    "Femke",
    "Ruud",
    "Linda",
]
