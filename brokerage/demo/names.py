"""Fictional name parts for the demo's generated programme: people, organisations,
streets and the words of needs and offers. Any likeness to a real body is chance."""

from __future__ import annotations

FIRST_NAMES = [
    "Aaliyah", "Abdul", "Adaeze", "Aisha", "Alfie", "Amara", "Anil", "Beth", "Bilal",
    "Callum", "Chen", "Chloe", "Connor", "Dami", "Daniel", "Deepa", "Eilidh", "Eleanor",
    "Emeka", "Farah", "Fatima", "Freya", "Gareth", "Grace", "Hamza", "Hannah", "Harvey",
    "Imran", "Iqra", "Isla", "Jack", "Jas", "Joanne", "Kamal", "Kasia", "Kofi", "Laila",
    "Leon", "Lucy", "Maja", "Marcus", "Mei", "Mohammed", "Nadia", "Nathan", "Niamh",
    "Olu", "Oscar", "Parveen", "Rachel", "Rhys", "Rosa", "Ruth", "Sadia", "Sean", "Simran",
    "Sophie", "Tariq", "Tendai", "Una", "Vikram", "Wanjiru", "Yasmin", "Zain", "Zofia",
]  # fmt: skip

LAST_NAMES = [
    "Ahmed", "Akhtar", "Armitage", "Asante", "Barker", "Bibi", "Booth", "Brennan",
    "Chaudhry", "Clegg", "Dawson", "Demir", "Ellis", "Fairburn", "Firth", "Gill", "Haigh",
    "Hirst", "Holroyd", "Hussain", "Iqbal", "Jagger", "Kaur", "Kowalski", "Lister", "Malik",
    "Mensah", "Moorhouse", "Nowak", "Nwosu", "Oakes", "Pickles", "Popescu", "Rahman",
    "Ramsden", "Riaz", "Shackleton", "Sykes", "Tetley", "Thornton", "Varley", "Walker",
    "Whiteley", "Wood", "Yildiz", "Zhang",
]  # fmt: skip

# "<place> <what> <form>", like "Beckfield Digital Skills Club".
PLACES = [
    "Aireside", "Ashgrove", "Beckfield", "Birchwood", "Bramble Hill", "Brookside",
    "Canal Street", "Cliffe Top", "Cowper Lane", "Elmfield", "Fernbank", "Foxhill",
    "Gledhow Vale", "Hawthorn", "Hollin Park", "Kelmscott", "Larchfield", "Lidgett Green",
    "Low Moor", "Meadowside", "Millstone", "Northgate", "Oakwell", "Parkside", "Quarry Mount",
    "Ravensworth", "Rockery", "Sandy Lane", "Sheepscar Fold", "Stonebridge", "Thornfield",
    "Tivoli", "Westfield", "Willow Bank", "Woodhouse Ridge",
]  # fmt: skip
WHATS = [
    "Digital Skills", "Community Tech", "Silver Surfers", "Youth", "Families", "Refugee Welcome",
    "Carers", "Job Club", "Homework", "Tenants", "Food and Tech", "Wellbeing", "Learning",
    "Women's", "Men's Shed", "Neighbourhood", "Connect", "Coding",
]  # fmt: skip
FORMS = [
    ("Club", "community_group"),
    ("Hub", "cio"),
    ("Network", "registered_charity"),
    ("Project", "registered_charity"),
    ("Trust", "registered_charity"),
    ("Collective", "cic"),
    ("CIC", "cic"),
    ("Group", "community_group"),
    ("Association", "tenants_group"),
    ("Drop-in", "faith_group"),
    ("Enterprise", "social_enterprise"),
    ("Primary School PTA", "school"),
]

COMPANY_FIRST = [
    "Aire", "Brightgate", "Calder", "Corn Exchange", "Kirkgate", "Kingfisher", "Ledgard",
    "Loidis", "Millpond", "Northern Quarter", "Ouse", "Pennine", "Riverbank", "Round Foundry",
    "Tower Works", "Wharf", "White Rose", "Wortley", "Yarn", "Yorkstone",
]  # fmt: skip
COMPANY_SECOND = [
    ("Software", "private_limited"),
    ("Analytics", "private_limited"),
    ("Legal", "llp"),
    ("Accountancy", "llp"),
    ("Digital", "private_limited"),
    ("Energy", "public_limited"),
    ("Logistics", "private_limited"),
    ("Building Society", "other_company"),
    ("Consulting", "private_limited"),
    ("Telecoms", "public_limited"),
    ("Health Tech", "private_limited"),
    ("Design Studio", "sole_trader"),
]

STREETS = [
    "Bankside Road", "Beck Lane", "Chapel Street", "Church Walk", "Cross Green Row",
    "Fold Lane", "Granary Court", "Hill Top Terrace", "Low Road", "Mill Yard", "Moor View",
    "Orchard Close", "Prospect Place", "Quarry Street", "Rosemont Avenue", "Station Parade",
    "Tannery Way", "Victoria Grove", "Weavers Row", "Well Lane",
]  # fmt: skip

# Leeds postcode districts: real districts, with unit letters from the generator.
DISTRICTS = [
    "LS1", "LS2", "LS3", "LS4", "LS5", "LS6", "LS7", "LS8", "LS9", "LS10", "LS11", "LS12",
    "LS13", "LS14", "LS15", "LS16", "LS17", "LS18", "LS19", "LS20", "LS21", "LS25", "LS26",
    "LS27", "LS28",
]  # fmt: skip

COMMUNITY_ACTIVITIES = [
    "a weekly drop-in where volunteers help local people get online",
    "a lending library of tablets and laptops for people with none at home",
    "homework clubs for children without a computer at home",
    "classes on using the NHS App, online banking and spotting scams",
    "a job club helping people write CVs and apply for work online",
    "English conversation and digital skills sessions for new arrivals",
    "peer support for carers, with video calls to family and services",
    "a community cafe with free wifi and a volunteer on hand to help",
]
COMPANY_ACTIVITIES = [
    "Our people volunteer two days a year",
    "We refresh our laptops every three years and want them reused locally",
    "Our charity committee backs digital inclusion in Leeds",
    "Our staff give their skills to local groups",
]

# What needs and offers are about, by kind: (title, description).
VOLUNTEERING = [
    ("Digital champions for our drop-in", "Patient people to sit one to one with visitors "
     "who want help with phones, email and online forms."),
    ("Help setting up Microsoft 365 for charities", "We share files on one laptop and want "
     "shared drives and proper accounts for our volunteers."),
    ("A day rebuilding our website", "Our website is out of date and hard to read on a phone."),
    ("Cyber security check of our office", "We hold people's details and want to know we "
     "keep them safe: passwords, backups and updates."),
    ("Teach coding at our youth club", "Young people aged 11 to 16 want to learn to build "
     "games and websites on Thursday evenings."),
    ("Help with a funding bid for devices", "We want to apply for a grant for laptops and "
     "need someone who has written bids before."),
    ("Set up and refurbish donated laptops", "We receive donated laptops that need wiping, "
     "updating and setting up before they go out."),
    ("Data reporting for our funders", "We collect attendance on paper and want a simple "
     "spreadsheet that makes our reports."),
]  # fmt: skip
EQUIPMENT = [
    ("Laptops for our job club", "Job seekers book a laptop to write CVs and apply for work."),
    ("Tablets for our lending scheme", "We lend tablets to older residents for twelve weeks."),
    ("Smartphones for families in temporary housing", "Parents need a phone to keep in touch "
     "with school, the council and the doctor."),
    ("Desktop computers for our learning centre", "Our learning centre's computers are ten "
     "years old and too slow for online courses."),
    ("Data SIMs for people with no broadband", "Many of the people we help have no internet "
     "at home."),
    ("Headsets and webcams for video calls", "People use our room for interviews and "
     "appointments by video."),
]  # fmt: skip
SPONSORSHIP = [
    ("A year of mobile data for our members", "Twelve months of data for the people we lend "
     "devices to."),
    ("Funding for a digital skills course", "A ten-week course on staying safe online, with a "
     "tutor and refreshments."),
    ("Broadband for our community centre", "A reliable connection so people can use our "
     "computers and wifi."),
    ("Sponsorship for a coding summer school", "A week of coding for 30 young people in the "
     "school holidays."),
]  # fmt: skip
OFFER_VOLUNTEERING = [
    ("IT support volunteers for community groups", "Our service desk team can run drop-in "
     "sessions on phones, tablets and online accounts."),
    ("Developers for a charity website sprint", "Our developers can give days to fix or "
     "rebuild a small charity's website."),
    ("Cyber security health checks", "Our security team can review a small organisation's "
     "passwords, backups and devices."),
    ("Mentors for young coders", "Engineers who can mentor young people learning to code."),
    ("Bid writing and reporting help", "Colleagues who write proposals every week can help "
     "with a funding bid or a report."),
]  # fmt: skip
OFFER_EQUIPMENT = [
    ("Refurbished laptops from our refresh", "Business laptops with chargers, wiped and "
     "ready to use."),
    ("Tablets we no longer need", "Tablets from our sales team, wiped and reset."),
    ("Smartphones from our upgrade", "Smartphones with chargers, wiped and unlocked."),
    ("Desktop computers and monitors", "Desktop computers from an office move, wiped and "
     "tested."),
    ("Data SIMs for community groups", "New data SIMs with twelve months of data."),
]  # fmt: skip
OFFER_SPONSORSHIP = [
    ("Sponsorship for digital inclusion", "Our charity committee has a budget for digital "
     "inclusion projects in Leeds this year."),
    ("Matched funding for local projects", "We match what our staff raise for local groups."),
]  # fmt: skip

MESSAGES = [
    "Thank you! When would suit you to start?",
    "Tuesday and Thursday mornings work best for us.",
    "We can come to you. Is there parking nearby?",
    "There is a car park behind the building. See you then.",
    "Could you send us the address and a contact on the day?",
    "All sorted: we have told our members.",
]
NOTES = [
    "Both keen. Check in after the first session.",
    "Spoke to the charity on the phone: they are ready.",
    "The company asked for a named contact on the day.",
    "Follow up in two weeks to see how it is going.",
]
FEEDBACK_NEED = [
    "Patient, friendly volunteers. People asked when they are back.",
    "The laptops arrived ready to use and our job club is full every week.",
    "It made a real difference to the people we work with.",
    "Good, though it took a while to arrange.",
]
FEEDBACK_OFFER = [
    "Well organised and a warm welcome.",
    "Our team loved it and want to do it again.",
    "Clear about what they needed. Parking was tricky.",
]
DECLINE_REASONS = [
    "We cannot take devices without a certificate of erasure.",
    "The dates do not suit us this term.",
    "We have found what we needed elsewhere.",
]
CANCEL_REASONS = [
    "The volunteers' dates fell through.",
    "The charity's building closed for repairs.",
]
GUEST_DIETARY = [None, None, None, "Vegetarian", "Vegan", "Gluten free", "Halal", "No nuts"]
