"""Synthetic submissions on the demo consultation, for search benchmarks (`demo --comments N`).

`generate_submissions(n, seed)` writes N realistic, multilingual submissions on the published
versions of the demo consultation (`gpa-trafficking`): comments and replies, proposed
amendments, supports and general statements, by one synthetic account per reference
delegation (`synthetic+fra@demo.consult.invalid`, no password: nobody can log in as them).

- Deterministic: the same seed gives the same rows (texts, kinds, authors, paragraphs,
  order; timestamps are counted back from today's date, midnight UTC).
- Safe to run again: every earlier synthetic submission (and anything that refers to one: a
  reply or support by a real account, an edit's revision) is deleted first, then the N new
  rows are written. The synthetic accounts are kept and reused.
- Fast: rows are built in memory and written with SQLAlchemy Core in batches, bypassing the
  participation services (rate limits, permission checks, moderation log, search outbox);
  the search index is rebuilt at the end when the search package provides `reindex()`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import inspect
import random
import time
from bisect import bisect
from itertools import accumulate

from sqlalchemy import delete, func, insert, or_, select, text

from consult.auth.models import Delegation, DelegationKind, Role, User
from consult.comments.models import (
    Disposition,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from consult.db import Base, db, utcnow
from consult.drafts.models import Consultation, Paragraph, ParagraphKind, Version, VersionStatus
from consult.errors import NotFound
from consult.markdown import render_user_markdown
from consult.comments.wording import render_wording

SYNTHETIC_DOMAIN = "demo.consult.invalid"
EMAIL_TEMPLATE = "synthetic+{code}@" + SYNTHETIC_DOMAIN
BATCH_SIZE = 5000
SPAN_DAYS = 42  # submissions are spread over the six weeks before today

# The language mix of the corpus (percent).
LANGUAGE_WEIGHTS = {"en": 70, "fr": 10, "es": 8, "ru": 5, "ar": 4, "zh": 3}
# What delegations write (percent); supports need an earlier amendment, else become comments.
KIND_WEIGHTS = {"comment": 60, "amendment": 25, "support": 5, "statement": 10}
REPLY_SHARE = 0.3  # of comments, when the paragraph already has a thread
WITHDRAWN_SHARE = 0.03
HIDDEN_SHARE = 0.01
HIDDEN_REASONS = (
    ("off_topic", "Off-topic for this paragraph."),
    ("personal_data", "Contains personal information about a victim."),
    ("duplicate", "Duplicate of an earlier submission."),
    ("other", "Not in keeping with the rules of the consultation."),
)

# --- phrase banks ------------------------------------------------------------------------
# Per language: subjects ({name}: the author's delegation), verbs, objects (the topic, most
# frequent first: picked with a Zipf law, so the first are common and the last rare), tails,
# standalone sentences, rare subjects and city names (each rare), and openers by kind.
# Chinese is written without spaces.

BANKS: dict[str, dict] = {
    "en": {
        "subjects": ["The delegation of {name}", "{name}", "Our delegation", "The Government of {name}",
                     "We", "{name}, speaking in its national capacity,"],
        "verbs": ["supports", "welcomes the reference to", "strongly supports", "proposes to strengthen the language on",
                  "requests clarification on", "recalls the importance of", "underlines the need to address",
                  "cannot accept the current wording on", "suggests a separate paragraph on",
                  "would prefer a stronger reference to", "notes with concern the lack of attention to",
                  "calls for more ambition on", "expresses reservations about the wording on"],
        "verbs_we": ["support", "welcome the reference to", "strongly support",
                     "propose to strengthen the language on", "request clarification on",
                     "recall the importance of", "cannot accept the current wording on",
                     "would prefer a stronger reference to", "call for more ambition on"],
        "objects": ["the protection of victims", "the prevention of trafficking in persons",
                    "the prosecution of traffickers", "forced labour", "the trust fund for victims",
                    "the rights of children", "women and girls", "migrants and their families",
                    "the role of UNODC", "data collection and research", "national action plans",
                    "international cooperation", "technical assistance", "the Palermo Protocol",
                    "the identification of victims", "border management", "demand reduction",
                    "the rights of refugees and asylum-seekers", "sexual exploitation",
                    "domestic servitude", "the removal of organs", "debt bondage",
                    "supply chains", "the non-punishment principle", "victim-centred approaches",
                    "the Inter-Agency Coordination Group against Trafficking in Persons",
                    "online recruitment", "witness protection", "mutual legal assistance",
                    "extradition", "corruption and money laundering", "forced marriage",
                    "the private sector", "civil society organizations",
                    "compensation for survivors", "reintegration and rehabilitation",
                    "shelters", "labour inspection", "recruitment fees", "seasonal workers",
                    "statelessness", "the Blue Heart Campaign"],
        "tails": ["", "", "", " in countries of origin, transit and destination",
                  " in line with the United Nations Convention against Transnational Organized Crime",
                  " as requested in resolution 64/178", " at the national and regional levels",
                  " with full respect for human rights", " through adequate and predictable funding",
                  " in cooperation with civil society", " in accordance with domestic law",
                  " in conflict and post-conflict situations",
                  " taking into account the special needs of children", " as a matter of priority",
                  " within existing resources"],
        "extra": ["We thank the co-facilitators for their efforts.",
                  "The text should be consistent with previously agreed language.",
                  "We reserve our position on this paragraph.",
                  "This paragraph could be merged with the previous one.",
                  "We look forward to further discussion in informal consultations.",
                  "The current wording is too prescriptive.",
                  "We would welcome the views of other delegations."],
        "rare": "Particular attention should be paid to {rare}.",
        "rare_terms": ["the kafala sponsorship system", "trokosi practices", "brick kilns",
                       "cocoa plantations", "fishing vessels on the high seas", "mail-order brides",
                       "cyber-grooming", "restavèk children", "camel jockeys",
                       "passport confiscation", "sham adoptions", "begging rings", "carpet looms",
                       "surrogacy arrangements", "unlicensed recruitment agencies",
                       "orphanage trafficking"],
        "city": "This was discussed at the regional meeting held in {city}.",
        "cities": ["Bangkok", "Nairobi", "Vienna", "Bogotá", "Dakar", "Manila", "Kathmandu",
                   "Lagos", "Tbilisi", "Chişinău", "Montevideo", "Ouagadougou", "Tegucigalpa",
                   "Ulaanbaatar", "Dushanbe", "Lilongwe", "Vientiane", "Paramaribo",
                   "Nouakchott", "Tashkent"],
        "reply": ["We agree with the previous speaker.", "We share the concerns expressed by {other}.",
                  "We cannot support the suggestion made by {other}.",
                  "We thank {other} for this useful proposal.",
                  "The point raised by {other} deserves careful consideration."],
        "amend": ["We propose the following wording.", "The proposed text reflects agreed language.",
                  "This change avoids any ambiguity.", "Our amendment aligns the paragraph with the Palermo Protocol.",
                  "The proposal is a compromise between the positions expressed so far."],
        "statement": ["{name} thanks the co-facilitators for an open, inclusive and transparent process.",
                      "{name} aligns itself with the statement delivered on behalf of the {other}.",
                      "{name} attaches great importance to the Global Plan of Action.",
                      "{name} will submit detailed proposals on each chapter."],
        "support": ["We support this proposal.", "Supported.", "{name} joins this proposal.",
                    "We support this amendment as a good compromise."],
    },
    "fr": {
        "subjects": ["La délégation de {name}", "{name}", "Notre délégation", "Le Gouvernement de {name}"],
        "verbs": ["appuie", "salue", "soutient fermement", "propose de renforcer", "souhaite préciser",
                  "rappelle", "souligne", "ne peut accepter en l'état", "propose de mentionner séparément",
                  "demande de clarifier"],
        "objects": ["la protection des victimes", "la prévention de la traite des êtres humains",
                    "la poursuite des trafiquants", "le travail forcé",
                    "le fonds d'affectation spéciale pour les victimes", "les droits des enfants",
                    "la situation des migrants", "le rôle de l'ONUDC", "la collecte de données",
                    "les plans d'action nationaux", "la coopération internationale",
                    "l'assistance technique", "le Protocole de Palerme",
                    "l'identification des victimes", "la réduction de la demande",
                    "l'exploitation sexuelle", "la servitude domestique", "le prélèvement d'organes",
                    "la servitude pour dettes", "les chaînes d'approvisionnement",
                    "le principe de non-sanction", "la réinsertion des survivants",
                    "les foyers d'accueil", "l'inspection du travail", "les mariages forcés",
                    "les enfants soldats", "l'entraide judiciaire", "l'extradition"],
        "tails": ["", "", "", " dans les pays d'origine, de transit et de destination",
                  " conformément à la Convention des Nations Unies contre la criminalité transnationale organisée",
                  " dans toutes les régions", " aux niveaux national et régional",
                  " dans le plein respect des droits de l'homme", " en coopération avec la société civile",
                  " en particulier pour les femmes et les enfants", " grâce à un financement prévisible"],
        "extra": ["Nous remercions les cofacilitateurs de leurs efforts.",
                  "Le libellé devrait reprendre le texte déjà convenu.",
                  "Nous réservons notre position sur ce paragraphe.",
                  "Ce paragraphe pourrait être fusionné avec le précédent.",
                  "Nous souhaitons entendre l'avis des autres délégations."],
        "rare": "Une attention particulière doit être accordée à la question suivante : {rare}.",
        "rare_terms": ["le système de parrainage kafala", "les pratiques trokosi", "les briqueteries",
                       "les plantations de cacao", "les navires de pêche en haute mer",
                       "les épouses par correspondance", "le pédopiégeage en ligne",
                       "les enfants restavèk", "les jockeys de chameaux",
                       "la confiscation des passeports", "les adoptions fictives",
                       "les réseaux de mendicité", "les métiers à tisser les tapis",
                       "la gestation pour autrui", "les agences de recrutement sans licence",
                       "les orphelinats"],
        "city": "Cette question a été examinée lors de la réunion régionale tenue à {city}.",
        "cities": ["Bangkok", "Nairobi", "Vienne", "Bogota", "Dakar", "Manille", "Katmandou",
                   "Lagos", "Tbilissi", "Chisinau", "Montevideo", "Ouagadougou", "Tegucigalpa",
                   "Oulan-Bator", "Douchanbé", "Lilongwe", "Vientiane", "Paramaribo",
                   "Nouakchott", "Tachkent"],
        "reply": ["Nous partageons l'avis de l'orateur précédent.",
                  "Nous partageons les préoccupations exprimées par {other}.",
                  "Nous ne pouvons appuyer la suggestion de {other}.",
                  "Nous remercions {other} pour cette proposition utile."],
        "amend": ["Nous proposons le libellé suivant.", "Le texte proposé reprend un libellé convenu.",
                  "Cette modification lève toute ambiguïté dans toutes les régions."],
        "statement": ["{name} remercie les cofacilitateurs pour un processus ouvert, inclusif et transparent.",
                      "{name} attache une grande importance au Plan d'action mondial.",
                      "{name} présentera des propositions détaillées sur chaque chapitre."],
        "support": ["Nous appuyons cette proposition.", "Appuyé.", "{name} s'associe à cette proposition."],
    },
    "es": {
        "subjects": ["La delegación de {name}", "{name}", "Nuestra delegación", "El Gobierno de {name}"],
        "verbs": ["apoya", "acoge con beneplácito", "respalda firmemente", "propone reforzar",
                  "desea precisar", "recuerda", "subraya", "no puede aceptar en su forma actual",
                  "propone mencionar por separado", "solicita aclarar"],
        "objects": ["la protección de las víctimas", "la prevención de la trata de personas",
                    "el enjuiciamiento de los tratantes", "el trabajo forzoso",
                    "el fondo fiduciario para las víctimas", "los derechos de los niños",
                    "la situación de los migrantes", "el papel de la UNODC",
                    "la recopilación de datos", "los planes de acción nacionales",
                    "la cooperación internacional", "la asistencia técnica",
                    "el Protocolo de Palermo", "la identificación de las víctimas",
                    "la reducción de la demanda", "la explotación sexual",
                    "la servidumbre doméstica", "la extracción de órganos",
                    "la servidumbre por deudas", "las cadenas de suministro",
                    "el principio de no punición", "la reintegración de los sobrevivientes",
                    "los albergues", "la inspección del trabajo", "el matrimonio forzado",
                    "los niños soldados", "la asistencia judicial recíproca", "la extradición"],
        "tails": ["", "", "", " en los países de origen, tránsito y destino",
                  " de conformidad con la Convención de las Naciones Unidas contra la Delincuencia Organizada Transnacional",
                  " en todas las regiones", " a nivel nacional y regional",
                  " con pleno respeto de los derechos humanos", " en cooperación con la sociedad civil",
                  " en particular de las mujeres y las niñas", " mediante una financiación previsible"],
        "extra": ["Agradecemos a los cofacilitadores sus esfuerzos.",
                  "El texto debería ajustarse al lenguaje ya acordado.",
                  "Reservamos nuestra posición sobre este párrafo.",
                  "Este párrafo podría fusionarse con el anterior."],
        "rare": "Debe prestarse especial atención al siguiente problema: {rare}.",
        "rare_terms": ["el sistema de patrocinio kafala", "las prácticas trokosi", "los hornos de ladrillos",
                       "las plantaciones de cacao", "los buques pesqueros en alta mar",
                       "las novias por correo", "el acoso sexual en línea", "los niños restavèk",
                       "los jinetes de camellos", "la confiscación de pasaportes",
                       "las adopciones simuladas", "las redes de mendicidad",
                       "los telares de alfombras", "la gestación subrogada",
                       "las agencias de contratación sin licencia", "los orfanatos"],
        "city": "Esta cuestión se examinó en la reunión regional celebrada en {city}.",
        "cities": ["Bangkok", "Nairobi", "Viena", "Bogotá", "Dakar", "Manila", "Katmandú", "Lagos",
                   "Tiflis", "Chisináu", "Montevideo", "Uagadugú", "Tegucigalpa", "Ulán Bator",
                   "Dusambé", "Lilongüe", "Vientián", "Paramaribo", "Nuakchot", "Taskent"],
        "reply": ["Coincidimos con el orador anterior.",
                  "Compartimos las preocupaciones expresadas por {other}.",
                  "No podemos apoyar la sugerencia de {other}.",
                  "Agradecemos a {other} esta propuesta útil."],
        "amend": ["Proponemos la siguiente redacción.", "El texto propuesto recoge lenguaje acordado.",
                  "Este cambio evita cualquier ambigüedad."],
        "statement": ["{name} agradece a los cofacilitadores un proceso abierto, inclusivo y transparente.",
                      "{name} concede gran importancia al Plan de Acción Mundial.",
                      "{name} presentará propuestas detalladas sobre cada capítulo."],
        "support": ["Apoyamos esta propuesta.", "Apoyado.", "{name} se suma a esta propuesta."],
    },
    "ru": {
        "subjects": ["{name}", "Наша делегация", "Делегация", "Наша делегация"],
        "verbs": ["поддерживает", "приветствует", "решительно поддерживает", "предлагает усилить",
                  "просит уточнить", "подчеркивает", "не может принять в нынешнем виде",
                  "предлагает отдельно упомянуть", "считает необходимым укрепить"],
        "objects": ["защиту жертв", "предупреждение торговли людьми",
                    "уголовное преследование торговцев людьми", "принудительный труд",
                    "целевой фонд для жертв", "права детей", "положение мигрантов",
                    "роль УНП ООН", "сбор данных", "национальные планы действий",
                    "международное сотрудничество", "техническую помощь", "Палермский протокол",
                    "выявление жертв", "сокращение спроса", "сексуальную эксплуатацию",
                    "домашнее подневольное состояние", "изъятие органов", "долговую кабалу",
                    "цепочки поставок", "принцип ненаказания", "реинтеграцию пострадавших",
                    "приюты", "трудовую инспекцию", "принудительные браки", "детей-солдат"],
        "tails": ["", "", "", " в странах происхождения, транзита и назначения",
                  " в соответствии с Конвенцией Организации Объединенных Наций против транснациональной организованной преступности",
                  " во всех регионах", " на национальном и региональном уровнях",
                  " при полном соблюдении прав человека", " в сотрудничестве с гражданским обществом",
                  " особенно в отношении женщин и детей", " за счет предсказуемого финансирования"],
        "extra": ["Мы благодарим координаторов за их усилия.",
                  "Текст должен соответствовать ранее согласованным формулировкам.",
                  "Мы резервируем свою позицию по этому пункту.",
                  "Этот пункт можно объединить с предыдущим."],
        "rare": "Особое внимание следует уделить следующей проблеме: {rare}.",
        "rare_terms": ["система спонсорства кафала", "практика трокоси", "кирпичные заводы",
                       "какаовые плантации", "рыболовные суда в открытом море", "невесты по почте",
                       "кибергруминг", "дети рестевек", "малолетние погонщики верблюдов",
                       "изъятие паспортов", "фиктивное усыновление", "сети попрошайничества",
                       "ковроткацкие станки", "суррогатное материнство",
                       "нелицензированные кадровые агентства", "детские дома"],
        "city": "Этот вопрос обсуждался на региональном совещании в городе {city}.",
        "cities": ["Бангкок", "Найроби", "Вена", "Богота", "Дакар", "Манила", "Катманду", "Лагос",
                   "Тбилиси", "Кишинев", "Монтевидео", "Уагадугу", "Тегусигальпа", "Улан-Батор",
                   "Душанбе", "Лилонгве", "Вьентьян", "Парамарибо", "Нуакшот", "Ташкент"],
        "reply": ["Мы согласны с предыдущим оратором.",
                  "Мы разделяем озабоченность, высказанную делегацией: {other}.",
                  "Мы не можем поддержать предложение делегации: {other}."],
        "amend": ["Мы предлагаем следующую формулировку.",
                  "Предлагаемый текст отражает согласованные формулировки.",
                  "Это изменение устраняет любую двусмысленность."],
        "statement": ["{name} благодарит координаторов за открытый, инклюзивный и прозрачный процесс.",
                      "{name} придает большое значение Глобальному плану действий.",
                      "{name} представит подробные предложения по каждой главе."],
        "support": ["Мы поддерживаем это предложение.", "Поддерживаем."],
    },
    "ar": {
        "subjects": ["وفد {name}", "وفدنا", "الوفد", "وفد {name}"],
        "verbs": ["يؤيد", "يرحب بالإشارة إلى", "يؤيد بقوة", "يقترح تعزيز", "يطلب توضيح",
                  "يؤكد أهمية", "يشدد على ضرورة معالجة", "لا يستطيع قبول الصياغة الحالية بشأن",
                  "يقترح إدراج فقرة مستقلة بشأن"],
        "objects": ["حماية الضحايا", "منع الاتجار بالأشخاص", "ملاحقة المتجرين قضائيا",
                    "العمل القسري", "الصندوق الاستئماني للضحايا", "حقوق الأطفال",
                    "أوضاع المهاجرين", "دور مكتب الأمم المتحدة المعني بالمخدرات والجريمة",
                    "جمع البيانات", "خطط العمل الوطنية", "التعاون الدولي", "المساعدة التقنية",
                    "بروتوكول باليرمو", "تحديد هوية الضحايا", "الحد من الطلب",
                    "الاستغلال الجنسي", "العبودية المنزلية", "نزع الأعضاء", "عبودية الدين",
                    "سلاسل الإمداد", "مبدأ عدم المعاقبة", "إعادة إدماج الناجين", "دور الإيواء",
                    "تفتيش العمل", "الزواج القسري", "الجنود الأطفال"],
        "tails": ["", "", "", " في بلدان المنشأ والعبور والمقصد",
                  " وفقا لاتفاقية الأمم المتحدة لمكافحة الجريمة المنظمة عبر الوطنية",
                  " في جميع المناطق", " على الصعيدين الوطني والإقليمي",
                  " مع الاحترام الكامل لحقوق الإنسان", " بالتعاون مع المجتمع المدني",
                  " ولا سيما النساء والأطفال", " من خلال تمويل يمكن التنبؤ به"],
        "extra": ["نشكر الميسرين على جهودهم.", "ينبغي أن يتسق النص مع الصياغات المتفق عليها سابقا.",
                  "نحتفظ بموقفنا بشأن هذه الفقرة.", "يمكن دمج هذه الفقرة مع الفقرة السابقة."],
        "rare": "ينبغي إيلاء اهتمام خاص للمسألة التالية: {rare}.",
        "rare_terms": ["نظام الكفالة", "ممارسات التروكوسي", "مصانع الطوب", "مزارع الكاكاو",
                       "سفن الصيد في أعالي البحار", "الزوجات بالمراسلة", "الاستدراج عبر الإنترنت",
                       "أطفال الريستافيك", "الأطفال راكبو الهجن", "مصادرة جوازات السفر",
                       "التبني الصوري", "شبكات التسول", "أنوال السجاد", "تأجير الأرحام",
                       "وكالات التوظيف غير المرخصة", "دور الأيتام"],
        "city": "نوقشت هذه المسألة في الاجتماع الإقليمي المعقود في {city}.",
        "cities": ["بانكوك", "نيروبي", "فيينا", "بوغوتا", "داكار", "مانيلا", "كاتماندو", "لاغوس",
                   "تبليسي", "كيشيناو", "مونتيفيديو", "واغادوغو", "تيغوسيغالبا", "أولان باتور",
                   "دوشانبي", "ليلونغوي", "فيينتيان", "باراماريبو", "نواكشوط", "طشقند"],
        "reply": ["نتفق مع المتحدث السابق.", "نشاطر الشواغل التي أعرب عنها وفد {other}.",
                  "لا يمكننا تأييد اقتراح وفد {other}."],
        "amend": ["نقترح الصياغة التالية.", "يعكس النص المقترح صياغة متفقا عليها.",
                  "يزيل هذا التعديل أي لبس."],
        "statement": ["يشكر وفد {name} الميسرين على العملية المفتوحة والشاملة والشفافة.",
                      "يولي وفد {name} أهمية كبيرة لخطة العمل العالمية.",
                      "سيقدم وفد {name} مقترحات مفصلة بشأن كل فصل."],
        "support": ["نؤيد هذا الاقتراح.", "مؤيد."],
    },
    "zh": {
        "subjects": ["{name}代表团", "{name}", "我国代表团", "本代表团"],
        "verbs": ["支持", "欢迎", "坚决支持", "建议加强", "强调", "重申", "高度重视",
                  "建议进一步明确", "关注"],
        "objects": ["保护受害者", "预防贩运人口", "起诉贩运者", "强迫劳动", "受害者信托基金",
                    "儿童权利", "移民的处境", "毒品和犯罪问题办公室的作用", "数据收集",
                    "国家行动计划", "国际合作", "技术援助", "巴勒莫议定书", "识别受害者",
                    "减少需求", "性剥削", "家庭奴役", "摘取器官", "债务奴役", "供应链",
                    "不惩罚原则", "幸存者重新融入社会", "庇护所", "劳动监察", "强迫婚姻",
                    "儿童兵"],
        "tails": ["", "", "", "，包括在原籍国、过境国和目的地国",
                  "，符合《联合国打击跨国有组织犯罪公约》", "，在所有区域",
                  "，在国家和区域各级", "，充分尊重人权", "，与民间社会合作",
                  "，特别是妇女和儿童", "，并提供可预测的资金"],
        "extra": ["我们感谢共同协调人所作的努力。", "案文应与以往商定的措辞保持一致。",
                  "我们保留对本段的立场。", "本段可与上一段合并。"],
        "rare": "应特别关注以下问题：{rare}。",
        "rare_terms": ["卡法拉担保制度", "特罗科西习俗", "砖窑", "可可种植园", "公海渔船",
                       "邮购新娘", "网络诱骗", "寄养童工", "骆驼童骑师", "没收护照", "虚假收养",
                       "乞讨团伙", "地毯织机", "代孕安排", "无证招聘机构", "孤儿院"],
        "city": "这一问题已在{city}举行的区域会议上讨论。",
        "cities": ["曼谷", "内罗毕", "维也纳", "波哥大", "达喀尔", "马尼拉", "加德满都", "拉各斯",
                   "第比利斯", "基希讷乌", "蒙得维的亚", "瓦加杜古", "特古西加尔巴", "乌兰巴托",
                   "杜尚别", "利隆圭", "万象", "帕拉马里博", "努瓦克肖特", "塔什干"],
        "reply": ["我们同意前一位发言者的意见。", "我们赞同{other}表达的关切。",
                  "我们不能支持{other}的建议。"],
        "amend": ["我们建议采用以下措辞。", "拟议案文反映了商定的措辞。", "这一修改可避免任何歧义。"],
        "statement": ["{name}感谢共同协调人开展公开、包容和透明的进程。",
                      "{name}高度重视全球行动计划。", "{name}将就各章提出详细建议。"],
        "support": ["我们支持这一提案。", "支持。"],
    },
}

# Word changes an amendment makes to a paragraph (English drafts).
AMEND_SUBSTITUTIONS = {
    "should": "shall", "may": "should", "encourage": "urge", "Encourages": "Urges",
    "Invites": "Calls upon", "invites": "calls upon", "promote": "strengthen",
    "consider": "ensure", "appropriate": "effective", "States": "Member States",
    "victims": "victims and survivors", "persons": "persons, especially women and children,",
    "measures": "effective measures", "cooperation": "international cooperation",
    "national": "national and local", "assistance": "assistance and protection",
}
AMEND_INSERTIONS = ["effective", "comprehensive", "gender-sensitive", "victim-centred",
                    "age-appropriate", "adequate", "coordinated", "sustainable"]
AMEND_DELETABLE = {"all", "appropriate", "relevant", "also", "further", "possible", "including"}


def _zipf(count: int, exponent: float = 1.0) -> list[float]:
    return list(accumulate(1.0 / (rank + 1) ** exponent for rank in range(count)))


class _Picker:
    """Weighted choices with precomputed cumulative weights (fast, deterministic)."""

    def __init__(self, rng: random.Random, items, cum_weights):
        self.rng, self.items, self.cum = rng, list(items), list(cum_weights)
        self.total = self.cum[-1]

    def __call__(self):
        return self.items[bisect(self.cum, self.rng.random() * self.total)]


class _Writer:
    """Sentences in one language, from its bank."""

    def __init__(self, rng: random.Random, lang: str):
        self.rng, self.lang = rng, lang
        self.bank = BANKS[lang]
        self.space = "" if lang == "zh" else " "
        self.stop = "。" if lang == "zh" else "."
        bank = self.bank
        self.objects = _Picker(rng, bank["objects"], _zipf(len(bank["objects"]), 1.1))
        self.rare_terms = _Picker(rng, bank["rare_terms"], _zipf(len(bank["rare_terms"]), 1.3))
        self.cities = _Picker(rng, bank["cities"], _zipf(len(bank["cities"]), 1.0))

    def sentence(self, name: str) -> str:
        rng, bank = self.rng, self.bank
        roll = rng.random()
        if roll < 0.03:
            return bank["rare"].format(rare=self.rare_terms())
        if roll < 0.06:
            return bank["city"].format(city=self.cities())
        if roll < 0.16:
            return rng.choice(bank["extra"])
        subject = rng.choice(bank["subjects"]).format(name=name)
        verbs = bank["verbs_we"] if subject == "We" else bank["verbs"]
        verb = rng.choice(verbs)
        obj = self.objects()
        if self.lang == "en" and rng.random() < 0.04:
            obj = f"**{obj}**"
        tail = rng.choice(bank["tails"])
        if self.lang == "zh":
            return f"{subject}{verb}{obj}{tail}{self.stop}"
        return f"{subject} {verb} {obj}{tail}{self.stop}"

    def body(self, name: str, sentences: int) -> str:
        return self.space.join(self.sentence(name) for _ in range(sentences))

    def opener(self, kind: str, name: str, other: str) -> str:
        return self.rng.choice(self.bank[kind]).format(name=name, other=other)


def _amend(rng: random.Random, paragraph_text: str) -> str:
    """The paragraph with a few words changed."""
    words = paragraph_text.split(" ")
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        candidates = [i for i, w in enumerate(words) if w.strip(",.;:*") in AMEND_SUBSTITUTIONS
                      and not (i and words[i - 1] == "Member")]
        roll = rng.random()
        if candidates and roll < 0.5:
            i = rng.choice(candidates)
            word = words[i]
            core = word.strip(",.;:*")
            words[i] = word.replace(core, AMEND_SUBSTITUTIONS[core], 1)
            continue
        deletable = [i for i, w in enumerate(words) if w in AMEND_DELETABLE]
        if deletable and roll < 0.7:
            del words[rng.choice(deletable)]
            continue
        nouns = [i for i, w in enumerate(words[1:], 1)
                 if w.isalpha() and w.islower() and len(w) > 6]
        if nouns:
            words.insert(rng.choice(nouns), rng.choice(AMEND_INSERTIONS))
        else:
            words.append("as appropriate")
    return " ".join(words)


# --- database ------------------------------------------------------------------------------


def _synthetic_users():
    return select(User.id).where(User.email.like(f"synthetic+%@{SYNTHETIC_DOMAIN}"))


def _delete_earlier(log) -> int:
    """Delete earlier synthetic submissions and whatever refers to them; return how many."""
    session = db.session
    table = Submission.__table__
    synthetic = select(Submission.id).where(Submission.author_id.in_(_synthetic_users()))
    # Real accounts' replies and supports to synthetic rows go with them (rare: someone
    # used the benchmark instance by hand). Collect that closure explicitly; it is small.
    others: set[int] = set()
    frontier = set(session.scalars(select(Submission.id).where(
        Submission.parent_id.in_(synthetic), Submission.author_id.not_in(_synthetic_users()))))
    while frontier:
        others |= frontier
        frontier = set(session.scalars(select(Submission.id).where(
            Submission.parent_id.in_(frontier)))) - others
    if others:
        log(f"also deleting {len(others)} submissions by other accounts that answer "
            "synthetic ones")
    doomed = [synthetic] + ([select(Submission.id).where(Submission.id.in_(others))]
                            if others else [])

    def doomed_filter(column):
        return or_(*[column.in_(query) for query in doomed])

    # Rows of other tables pointing at those submissions (revisions, and any table a later
    # feature adds with a foreign key to submission.id).
    for other in Base.metadata.sorted_tables:
        if other is table:
            continue
        for fk in other.foreign_keys:
            if fk.column.table is table:
                session.execute(delete(other).where(doomed_filter(fk.parent)))
    count = session.scalar(select(func.count()).select_from(table).where(
        doomed_filter(table.c.id))) or 0
    if count:
        # Children before parents is not needed: both databases check the self-reference
        # at the end of the statement.
        session.execute(delete(table).where(doomed_filter(table.c.id)))
    return count


def _ensure_users(log) -> list[dict]:
    """One synthetic account per reference delegation; their ids, by delegation code."""
    session = db.session
    delegations = session.execute(select(
        Delegation.id, Delegation.code, Delegation.kind, Delegation.names, Delegation.name_en)
        .where(Delegation.is_reference).order_by(Delegation.code)).all()
    existing = dict(session.execute(select(User.email, User.id).where(
        User.email.in_(_synthetic_users().with_only_columns(User.email)))).all())
    now = utcnow()
    missing = []
    for d in delegations:
        email = EMAIL_TEMPLATE.format(code=d.code.lower())
        if email not in existing:
            role = Role.delegate if d.kind in (DelegationKind.member_state, DelegationKind.group) \
                else Role.observer
            missing.append({"email": email, "name": f"Synthetic delegate ({d.code})",
                            "password_hash": None, "role": role, "delegation_id": d.id,
                            "is_disabled": False, "created_at": now})
    if missing:
        session.execute(insert(User.__table__), missing)
        log(f"{len(missing)} synthetic accounts created")
        existing = dict(session.execute(select(User.email, User.id).where(
            User.email.in_(_synthetic_users().with_only_columns(User.email)))).all())
    return [{"delegation_id": d.id, "code": d.code,
             "author_id": existing[EMAIL_TEMPLATE.format(code=d.code.lower())],
             "names": {**{lang: d.name_en for lang in BANKS}, **(d.names or {})}}
            for d in delegations]


def _versions(consultation_id: int) -> list[dict]:
    versions = db.session.execute(select(Version.id, Version.label).where(
        Version.consultation_id == consultation_id,
        Version.status != VersionStatus.draft).order_by(Version.seq)).all()
    result = []
    for version in versions:
        paragraphs = db.session.execute(select(
            Paragraph.id, Paragraph.key_id, Paragraph.text, Paragraph.label).where(
            Paragraph.version_id == version.id, Paragraph.kind != ParagraphKind.heading)
            .order_by(Paragraph.position)).all()
        if paragraphs:
            result.append({"id": version.id, "label": version.label,
                           "paragraphs": [p._asdict() for p in paragraphs]})
    return result


def _fix_sequence() -> None:
    """PostgreSQL: explicit ids do not move the sequence; move it past them."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(
            "SELECT setval(pg_get_serial_sequence('submission', 'id'), "
            "(SELECT max(id) FROM submission))"))


def reindex_search(log=print) -> bool:
    """Rebuild the search index if the search package offers it; return whether it did."""
    try:
        spec = importlib.util.find_spec("consult.search.services")
    except ModuleNotFoundError:
        spec = None
    if spec is None:
        log("search index: consult.search.services not available, not rebuilt")
        return False
    services = importlib.import_module("consult.search.services")
    reindex = getattr(services, "reindex", None)
    if reindex is None:
        log("search index: consult.search.services has no reindex(), not rebuilt")
        return False
    started = time.perf_counter()
    if "log_line" in inspect.signature(reindex).parameters:
        reindex(log_line=log)
    else:
        reindex()
    log(f"search index rebuilt in {time.perf_counter() - started:.1f} s")
    return True


def generate_submissions(n: int, seed: int, log=print, *, reindex: bool = True) -> int:
    """Replace the synthetic submissions on the demo consultation by N new ones; commit.

    Returns how many were written. Run after `load_demo`. With `reindex`, the search index
    is rebuilt afterwards (the bulk insert bypasses the search outbox).
    """
    from consult.demo import GPA_SLUG

    if n < 0:
        raise ValueError("n must be zero or more")
    session = db.session
    started = time.perf_counter()
    consultation_id = session.scalar(select(Consultation.id).where(
        Consultation.slug == GPA_SLUG))
    if consultation_id is None:
        raise NotFound(f"No consultation named {GPA_SLUG}: load the demo first.")
    versions = _versions(consultation_id)
    if not versions:
        raise NotFound(f"The consultation {GPA_SLUG} has no published version.")

    deleted = _delete_earlier(log)
    if deleted:
        log(f"{deleted} earlier synthetic submissions deleted")
    authors = _ensure_users(log)

    rng = random.Random(seed)
    # Who speaks: a few delegations speak often, most rarely (Zipf over a shuffled order).
    order = list(authors)
    rng.shuffle(order)
    pick_author = _Picker(rng, order, _zipf(len(order), 0.8))
    groups = [a for a in authors if a["code"] in ("EU", "G77", "AU", "AOSIS", "LDC", "ARAB")] \
        or authors
    writers = {lang: _Writer(rng, lang) for lang in BANKS}
    pick_lang = _Picker(rng, list(LANGUAGE_WEIGHTS), accumulate(LANGUAGE_WEIGHTS.values()))
    pick_kind = _Picker(rng, list(KIND_WEIGHTS), accumulate(KIND_WEIGHTS.values()))
    pick_sentences = _Picker(rng, [1, 2, 3, 4], accumulate([35, 35, 20, 10]))
    # Which paragraphs draw the comments: hot paragraphs differ per version.
    for version in versions:
        shuffled = list(version["paragraphs"])
        rng.shuffle(shuffled)
        version["pick"] = _Picker(rng, shuffled, _zipf(len(shuffled), 0.7))

    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - dt.timedelta(days=SPAN_DAYS)
    step = SPAN_DAYS * 86400 / max(n, 1)
    next_id = (session.scalar(select(func.max(Submission.id))) or 0) + 1
    threads: dict[int, list[int]] = {}  # paragraph id → ids of answerable comments
    roots: dict[int, int] = {}  # reply id → id of the top of its thread
    amendments: dict[int, list[tuple]] = {}  # version id → (id, delegation_id, paragraph)
    supported: set[tuple[int, int]] = set()  # (amendment id, delegation id)
    rows: list[dict] = []
    written = 0
    columns_default = {
        "parent_id": None, "root_id": None, "paragraph_id": None, "key_id": None,
        "proposed_text": None,
        "proposed_diff_html": None, "edited_at": None, "withdrawn_at": None, "hidden_at": None,
        "hidden_reason": None, "hidden_reason_code": None, "disposition": None,
        "disposition_note": None,
        "is_hidden": False, "revision": 0, "status": SubmissionStatus.active,
    }

    def flush_rows():
        nonlocal written
        if rows:
            session.execute(insert(Submission.__table__), rows)
            written += len(rows)
            rows.clear()
            log(f"{written}/{n} synthetic submissions written "
                f"({time.perf_counter() - started:.1f} s)")

    for i in range(n):
        created_at = start + dt.timedelta(seconds=i * step + rng.random() * step)
        # The first versions take the early weeks, the last the recent ones.
        version = versions[min(len(versions) - 1, i * len(versions) // max(n, 1))]
        author = pick_author()
        lang = pick_lang()
        writer = writers[lang]
        name = author["names"][lang]
        other = pick_author()["names"][lang]
        kind = pick_kind()
        row = dict(columns_default, id=next_id, consultation_id=consultation_id,
                   version_id=version["id"], delegation_id=author["delegation_id"],
                   author_id=author["author_id"], language=lang, created_at=created_at)
        paragraph = None
        if kind == "support":
            candidates = amendments.get(version["id"])
            target = None
            if candidates:
                for _ in range(5):
                    cand = rng.choice(candidates[-200:])
                    if cand[1] != author["delegation_id"] and \
                            (cand[0], author["delegation_id"]) not in supported:
                        target = cand
                        break
            if target is None:
                kind = "comment"
            else:
                supported.add((target[0], author["delegation_id"]))
                paragraph = target[2]
                body = "" if rng.random() < 0.6 else writer.opener("support", name, other)
                row.update(kind=SubmissionKind.support, parent_id=target[0], root_id=target[0])
        if kind == "statement":
            body = writer.space.join(
                [writer.opener("statement", name, rng.choice(groups)["names"][lang])]
                + [writer.sentence(name) for _ in range(pick_sentences())])
            row.update(kind=SubmissionKind.statement)
        elif kind == "amendment":
            paragraph = version["pick"]()
            proposed = _amend(rng, paragraph["text"])
            body = writer.space.join([writer.opener("amend", name, other)]
                                     + [writer.sentence(name)
                                        for _ in range(pick_sentences() - 1)])
            disposition = Disposition.pending
            if version is not versions[-1]:
                disposition = rng.choice(list(Disposition))
            row.update(kind=SubmissionKind.amendment, proposed_text=proposed,
                       proposed_diff_html=render_wording(paragraph["text"], proposed)[0],
                       disposition=disposition)
        elif kind == "comment":
            paragraph = version["pick"]()
            thread = threads.get(paragraph["id"])
            if thread and rng.random() < REPLY_SHARE:
                row["parent_id"] = rng.choice(thread[-20:])
                row["root_id"] = roots.setdefault(next_id, roots.get(row["parent_id"],
                                                                    row["parent_id"]))
                body = writer.space.join([writer.opener("reply", name, other)]
                                         + [writer.sentence(name)
                                            for _ in range(pick_sentences() - 1)])
            else:
                body = writer.body(name, pick_sentences())
            row.update(kind=SubmissionKind.comment)
        if paragraph is not None:
            row.update(paragraph_id=paragraph["id"], key_id=paragraph["key_id"])
        row.update(body=body, body_html=render_user_markdown(body) if body else "")

        roll = rng.random()
        if roll < WITHDRAWN_SHARE:
            row.update(status=SubmissionStatus.withdrawn,
                       withdrawn_at=created_at + dt.timedelta(hours=1 + rng.random() * 72))
        elif roll < WITHDRAWN_SHARE + HIDDEN_SHARE:
            code, reason = rng.choice(HIDDEN_REASONS)
            row.update(is_hidden=True, hidden_reason_code=code, hidden_reason=reason,
                       hidden_at=created_at + dt.timedelta(hours=1 + rng.random() * 48))
        elif kind == "comment" and paragraph is not None:
            threads.setdefault(paragraph["id"], []).append(next_id)
        elif kind == "amendment":
            amendments.setdefault(version["id"], []).append(
                (next_id, author["delegation_id"], paragraph))
        rows.append(row)
        next_id += 1
        if len(rows) >= BATCH_SIZE:
            flush_rows()
    flush_rows()
    _fix_sequence()
    session.commit()
    log(f"{written} synthetic submissions on {GPA_SLUG} (seed {seed}) in "
        f"{time.perf_counter() - started:.1f} s")
    if reindex and (written or deleted):
        reindex_search(log)
    return written
