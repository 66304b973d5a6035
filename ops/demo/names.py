"""Name material for the demo: common Indonesian (South Sumatran) given names and family names, Polri ranks."""

FIRST = ("Ahmad", "Rudi", "Dedi", "Sari", "Hendra", "Yusuf", "Agus", "Bambang", "Dian", "Eko", "Fitri", "Gunawan",
         "Hadi", "Indra", "Joko", "Kurniawan", "Lestari", "Maman", "Nurdin", "Oktaviani", "Putra", "Rahmat", "Syahrial",
         "Taufik", "Usman", "Wahyu", "Yanto", "Zulkifli", "Arif", "Budi", "Candra", "Darmawan", "Erwin", "Fajar",
         "Hermansyah", "Irwan", "Juliansyah", "Khairul", "Lukman", "Muhammad", "Novi", "Rizki", "Sulaiman", "Teguh",
         "Abdul", "Firdaus", "Heri", "Mulyadi", "Ridwan", "Saiful")
LAST = ("Saputra", "Pratama", "Wijaya", "Hidayat", "Siregar", "Nasution", "Harahap", "Kurniawan", "Setiawan",
        "Ramadhan", "Syahputra", "Efendi", "Gunawan", "Irawan", "Maulana", "Santoso", "Susanto", "Hakim", "Rosyid",
        "Fauzi", "Anwar", "Zainal", "Jamil", "Asmara", "Husin", "Rasyid", "Marzuki", "Nawawi", "Hasan", "Ismail")
TOKOH_AGAMA_TITLE = ("K.H.", "Ust.", "H.", "Ustadz")

# Polri ranks from senior to junior, with the share of a Polres roster that holds them.
RANKS = (("AKBP", 1), ("KOMPOL", 3), ("AKP", 12), ("IPTU", 14), ("IPDA", 20), ("AIPTU", 45), ("AIPDA", 55),
         ("BRIPKA", 60), ("BRIGPOL", 50), ("BRIPTU", 35), ("BRIPDA", 16))
UNITS_POLRES = ("Sat Samapta", "Sat Intelkam", "Sat Reskrim", "Sat Lantas", "Sat Binmas", "Sat Polairud",
                "Sie Propam", "Bag Ops")
# The task each Polres unit's members are rostered for (roles named as ops.tasks labels them).
UNIT_ROLE = {"Sat Samapta": "Patroli", "Sat Intelkam": "Cadangan", "Sat Reskrim": "Cadangan",
             "Sat Lantas": "Pengawalan logistik", "Sat Binmas": "Patroli", "Sat Polairud": "Pengawalan logistik",
             "Sie Propam": "PAM gudang KPU", "Bag Ops": "Staf Posko"}
# A Brimob platoon sent as BKO: tamtama and young bintara under an IPDA.
BKO_RANKS = (("IPDA", 1), ("BRIPKA", 1), ("BRIGPOL", 2), ("BRIPTU", 3), ("BRIPDA", 3), ("BHARAKA", 3), ("BHARATU", 3),
             ("BHARADA", 4))
# Years above a rank's youngest age that most of its holders are (a long tail would make the demo look old).
AGE_SPREAD = {"BRIPDA": 5, "BRIPTU": 7, "BRIGPOL": 9, "BRIPKA": 10, "AIPDA": 12, "AIPTU": 14, "IPDA": 20, "IPTU": 18,
              "AKP": 16, "KOMPOL": 14, "AKBP": 12, "BHARADA": 4, "BHARATU": 6, "BHARAKA": 8}
