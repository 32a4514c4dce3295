"""Reference data for delegations taking part in the consultation.

Pure data and pure functions (no Flask, no database): the 193 UN Member
States, the two non-member observer States, the negotiating / regional
groups and a handful of intergovernmental organisations and UN entities,
each with its names in the six official UN languages.

Sources and conventions
-----------------------
* Codes: ISO 3166-1 alpha-3 for States; short upper-case codes otherwise.
* ``m49``: the UN M49 numeric code (identical to ISO 3166-1 numeric for
  States), as a zero-padded three-digit string.
* ``admitted_on``: date of admission to UN membership as published by the UN.
  All original Members (signatories of the Charter) are dated 1945-10-24, the
  day the Charter entered into force, even those that deposited their
  ratification a few weeks later.  Successor/continuing States keep the date
  of the State they continue (Russian Federation: USSR, 1945-10-24) or the
  date of their own admission (Czechia and Slovakia 1993-01-19; Serbia
  2000-11-01, admitted as the Federal Republic of Yugoslavia; Germany
  1973-09-18, the admission of the Federal Republic).  Two of the 51 original
  Members (Czechoslovakia and Yugoslavia) no longer exist, so 49 current
  Member States carry the 1945-10-24 date.
* Names: generated once from CLDR (via Babel) and then corrected by hand to
  the UN short names (UNTERM) where they differ, e.g. "Türkiye",
  "Côte d'Ivoire", "Republic of Korea", "Viet Nam".  The data is literal so
  that this module needs nothing beyond the standard library at run time.
"""

from __future__ import annotations

import dataclasses
import datetime
import re

__all__ = [
    "LANGUAGES",
    "KINDS",
    "DelegationRecord",
    "UnknownDelegationError",
    "MEMBER_STATES",
    "OBSERVER_STATES",
    "GROUPS",
    "ORGANISATIONS",
    "ALL_DELEGATIONS",
    "BY_CODE",
    "ALPHA3_TO_ALPHA2",
    "CODE_PATTERN",
    "get_record",
    "member_states_on",
    "validate_new_code",
]

#: The six official languages of the United Nations, in UN order.
LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "ru", "ar", "zh")

#: Allowed values of :attr:`DelegationRecord.kind`.
KINDS: tuple[str, ...] = (
    "member_state",
    "observer_state",
    "group",
    "igo",
    "ngo",
    "un_entity",
)

_STATE_KINDS = frozenset({"member_state", "observer_state"})
_M49_RE = re.compile(r"[0-9]{3}")


@dataclasses.dataclass(frozen=True)
class DelegationRecord:
    """One delegation: a State, a group of States or an organisation."""

    code: str
    kind: str
    m49: str | None
    admitted_on: datetime.date | None
    # Excluded from the hash (a dict is unhashable); still compared by ==.
    names: dict[str, str] = dataclasses.field(hash=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.code}: unknown kind {self.kind!r}")
        if self.code != self.code.upper() or not self.code:
            raise ValueError(f"{self.code!r}: codes are upper-case")
        if set(self.names) != set(LANGUAGES):
            raise ValueError(f"{self.code}: names must be given in exactly {LANGUAGES}")
        if not all(isinstance(n, str) and n.strip() for n in self.names.values()):
            raise ValueError(f"{self.code}: every name must be a non-empty string")
        if self.kind in _STATE_KINDS:
            if self.m49 is None or not _M49_RE.fullmatch(self.m49):
                raise ValueError(f"{self.code}: a State needs a 3-digit M49 code")
        elif self.m49 is not None:
            raise ValueError(f"{self.code}: only States have an M49 code")
        if (self.admitted_on is None) != (self.kind != "member_state"):
            raise ValueError(f"{self.code}: admitted_on is set for, and only for, member states")


class UnknownDelegationError(ValueError):
    """Raised by :func:`get_record` for a code that is not in the reference data."""

    def __init__(self, code: object) -> None:
        self.code = code
        super().__init__(
            f"Unknown delegation code {code!r}: use an ISO 3166-1 alpha-3 code "
            f"for a State (e.g. FRA) or a group code (e.g. EU, G77)."
        )


#: ISO 3166-1 alpha-3 -> alpha-2 for every State in this module (filled below).
ALPHA3_TO_ALPHA2: dict[str, str] = {}


def _state(
    code: str,
    alpha2: str,
    m49: str,
    admitted_on: str | None,
    en: str,
    fr: str,
    es: str,
    ru: str,
    ar: str,
    zh: str,
) -> DelegationRecord:
    ALPHA3_TO_ALPHA2[code] = alpha2
    return DelegationRecord(
        code=code,
        kind="member_state" if admitted_on is not None else "observer_state",
        m49=m49,
        admitted_on=datetime.date.fromisoformat(admitted_on) if admitted_on else None,
        names={"en": en, "fr": fr, "es": es, "ru": ru, "ar": ar, "zh": zh},
    )


def _org(code: str, kind: str, en: str, fr: str, es: str, ru: str, ar: str, zh: str) -> DelegationRecord:
    return DelegationRecord(
        code=code,
        kind=kind,
        m49=None,
        admitted_on=None,
        names={"en": en, "fr": fr, "es": es, "ru": ru, "ar": ar, "zh": zh},
    )


# fmt: off
# Columns: alpha-3, alpha-2, M49, date of admission, en, fr, es, ru, ar, zh.
MEMBER_STATES: tuple[DelegationRecord, ...] = (
    _state('AFG', 'AF', '004', '1946-11-19', 'Afghanistan', 'Afghanistan', 'Afganistán', 'Афганистан', 'أفغانستان', '阿富汗'),
    _state('AGO', 'AO', '024', '1976-12-01', 'Angola', 'Angola', 'Angola', 'Ангола', 'أنغولا', '安哥拉'),
    _state('ALB', 'AL', '008', '1955-12-14', 'Albania', 'Albanie', 'Albania', 'Албания', 'ألبانيا', '阿尔巴尼亚'),
    _state('AND', 'AD', '020', '1993-07-28', 'Andorra', 'Andorre', 'Andorra', 'Андорра', 'أندورا', '安道尔'),
    _state('ARE', 'AE', '784', '1971-12-09', 'United Arab Emirates', 'Émirats arabes unis', 'Emiratos Árabes Unidos', 'Объединенные Арабские Эмираты', 'الإمارات العربية المتحدة', '阿拉伯联合酋长国'),
    _state('ARG', 'AR', '032', '1945-10-24', 'Argentina', 'Argentine', 'Argentina', 'Аргентина', 'الأرجنتين', '阿根廷'),
    _state('ARM', 'AM', '051', '1992-03-02', 'Armenia', 'Arménie', 'Armenia', 'Армения', 'أرمينيا', '亚美尼亚'),
    _state('ATG', 'AG', '028', '1981-11-11', 'Antigua and Barbuda', 'Antigua-et-Barbuda', 'Antigua y Barbuda', 'Антигуа и Барбуда', 'أنتيغوا وبربودا', '安提瓜和巴布达'),
    _state('AUS', 'AU', '036', '1945-10-24', 'Australia', 'Australie', 'Australia', 'Австралия', 'أستراليا', '澳大利亚'),
    _state('AUT', 'AT', '040', '1955-12-14', 'Austria', 'Autriche', 'Austria', 'Австрия', 'النمسا', '奥地利'),
    _state('AZE', 'AZ', '031', '1992-03-02', 'Azerbaijan', 'Azerbaïdjan', 'Azerbaiyán', 'Азербайджан', 'أذربيجان', '阿塞拜疆'),
    _state('BDI', 'BI', '108', '1962-09-18', 'Burundi', 'Burundi', 'Burundi', 'Бурунди', 'بوروندي', '布隆迪'),
    _state('BEL', 'BE', '056', '1945-10-24', 'Belgium', 'Belgique', 'Bélgica', 'Бельгия', 'بلجيكا', '比利时'),
    _state('BEN', 'BJ', '204', '1960-09-20', 'Benin', 'Bénin', 'Benin', 'Бенин', 'بنن', '贝宁'),
    _state('BFA', 'BF', '854', '1960-09-20', 'Burkina Faso', 'Burkina Faso', 'Burkina Faso', 'Буркина-Фасо', 'بوركينا فاسو', '布基纳法索'),
    _state('BGD', 'BD', '050', '1974-09-17', 'Bangladesh', 'Bangladesh', 'Bangladesh', 'Бангладеш', 'بنغلاديش', '孟加拉国'),
    _state('BGR', 'BG', '100', '1955-12-14', 'Bulgaria', 'Bulgarie', 'Bulgaria', 'Болгария', 'بلغاريا', '保加利亚'),
    _state('BHR', 'BH', '048', '1971-09-21', 'Bahrain', 'Bahreïn', 'Bahrein', 'Бахрейн', 'البحرين', '巴林'),
    _state('BHS', 'BS', '044', '1973-09-18', 'Bahamas', 'Bahamas', 'Bahamas', 'Багамские Острова', 'جزر البهاما', '巴哈马'),
    _state('BIH', 'BA', '070', '1992-05-22', 'Bosnia and Herzegovina', 'Bosnie-Herzégovine', 'Bosnia y Herzegovina', 'Босния и Герцеговина', 'البوسنة والهرسك', '波斯尼亚和黑塞哥维那'),
    _state('BLR', 'BY', '112', '1945-10-24', 'Belarus', 'Bélarus', 'Belarús', 'Беларусь', 'بيلاروس', '白俄罗斯'),
    _state('BLZ', 'BZ', '084', '1981-09-25', 'Belize', 'Belize', 'Belice', 'Белиз', 'بليز', '伯利兹'),
    _state('BOL', 'BO', '068', '1945-10-24', 'Bolivia (Plurinational State of)', 'Bolivie (État plurinational de)', 'Bolivia (Estado Plurinacional de)', 'Боливия (Многонациональное Государство)', 'بوليفيا (دولة - المتعددة القوميات)', '多民族玻利维亚国'),
    _state('BRA', 'BR', '076', '1945-10-24', 'Brazil', 'Brésil', 'Brasil', 'Бразилия', 'البرازيل', '巴西'),
    _state('BRB', 'BB', '052', '1966-12-09', 'Barbados', 'Barbade', 'Barbados', 'Барбадос', 'بربادوس', '巴巴多斯'),
    _state('BRN', 'BN', '096', '1984-09-21', 'Brunei Darussalam', 'Brunéi Darussalam', 'Brunei Darussalam', 'Бруней-Даруссалам', 'بروني دار السلام', '文莱达鲁萨兰国'),
    _state('BTN', 'BT', '064', '1971-09-21', 'Bhutan', 'Bhoutan', 'Bhután', 'Бутан', 'بوتان', '不丹'),
    _state('BWA', 'BW', '072', '1966-10-17', 'Botswana', 'Botswana', 'Botswana', 'Ботсвана', 'بوتسوانا', '博茨瓦纳'),
    _state('CAF', 'CF', '140', '1960-09-20', 'Central African Republic', 'République centrafricaine', 'República Centroafricana', 'Центральноафриканская Республика', 'جمهورية أفريقيا الوسطى', '中非共和国'),
    _state('CAN', 'CA', '124', '1945-10-24', 'Canada', 'Canada', 'Canadá', 'Канада', 'كندا', '加拿大'),
    _state('CHE', 'CH', '756', '2002-09-10', 'Switzerland', 'Suisse', 'Suiza', 'Швейцария', 'سويسرا', '瑞士'),
    _state('CHL', 'CL', '152', '1945-10-24', 'Chile', 'Chili', 'Chile', 'Чили', 'شيلي', '智利'),
    _state('CHN', 'CN', '156', '1945-10-24', 'China', 'Chine', 'China', 'Китай', 'الصين', '中国'),
    _state('CIV', 'CI', '384', '1960-09-20', "Côte d'Ivoire", "Côte d'Ivoire", "Côte d'Ivoire", "Кот-д'Ивуар", 'كوت ديفوار', '科特迪瓦'),
    _state('CMR', 'CM', '120', '1960-09-20', 'Cameroon', 'Cameroun', 'Camerún', 'Камерун', 'الكاميرون', '喀麦隆'),
    _state('COD', 'CD', '180', '1960-09-20', 'Democratic Republic of the Congo', 'République démocratique du Congo', 'República Democrática del Congo', 'Демократическая Республика Конго', 'جمهورية الكونغو الديمقراطية', '刚果民主共和国'),
    _state('COG', 'CG', '178', '1960-09-20', 'Congo', 'Congo', 'Congo', 'Конго', 'الكونغو', '刚果'),
    _state('COL', 'CO', '170', '1945-10-24', 'Colombia', 'Colombie', 'Colombia', 'Колумбия', 'كولومبيا', '哥伦比亚'),
    _state('COM', 'KM', '174', '1975-11-12', 'Comoros', 'Comores', 'Comoras', 'Коморские Острова', 'جزر القمر', '科摩罗'),
    _state('CPV', 'CV', '132', '1975-09-16', 'Cabo Verde', 'Cabo Verde', 'Cabo Verde', 'Кабо-Верде', 'كابو فيردي', '佛得角'),
    _state('CRI', 'CR', '188', '1945-10-24', 'Costa Rica', 'Costa Rica', 'Costa Rica', 'Коста-Рика', 'كوستاريكا', '哥斯达黎加'),
    _state('CUB', 'CU', '192', '1945-10-24', 'Cuba', 'Cuba', 'Cuba', 'Куба', 'كوبا', '古巴'),
    _state('CYP', 'CY', '196', '1960-09-20', 'Cyprus', 'Chypre', 'Chipre', 'Кипр', 'قبرص', '塞浦路斯'),
    _state('CZE', 'CZ', '203', '1993-01-19', 'Czechia', 'Tchéquie', 'Chequia', 'Чехия', 'تشيكيا', '捷克'),
    _state('DEU', 'DE', '276', '1973-09-18', 'Germany', 'Allemagne', 'Alemania', 'Германия', 'ألمانيا', '德国'),
    _state('DJI', 'DJ', '262', '1977-09-20', 'Djibouti', 'Djibouti', 'Djibouti', 'Джибути', 'جيبوتي', '吉布提'),
    _state('DMA', 'DM', '212', '1978-12-18', 'Dominica', 'Dominique', 'Dominica', 'Доминика', 'دومينيكا', '多米尼克'),
    _state('DNK', 'DK', '208', '1945-10-24', 'Denmark', 'Danemark', 'Dinamarca', 'Дания', 'الدانمرك', '丹麦'),
    _state('DOM', 'DO', '214', '1945-10-24', 'Dominican Republic', 'République dominicaine', 'República Dominicana', 'Доминиканская Республика', 'الجمهورية الدومينيكية', '多米尼加共和国'),
    _state('DZA', 'DZ', '012', '1962-10-08', 'Algeria', 'Algérie', 'Argelia', 'Алжир', 'الجزائر', '阿尔及利亚'),
    _state('ECU', 'EC', '218', '1945-10-24', 'Ecuador', 'Équateur', 'Ecuador', 'Эквадор', 'إكوادور', '厄瓜多尔'),
    _state('EGY', 'EG', '818', '1945-10-24', 'Egypt', 'Égypte', 'Egipto', 'Египет', 'مصر', '埃及'),
    _state('ERI', 'ER', '232', '1993-05-28', 'Eritrea', 'Érythrée', 'Eritrea', 'Эритрея', 'إريتريا', '厄立特里亚'),
    _state('ESP', 'ES', '724', '1955-12-14', 'Spain', 'Espagne', 'España', 'Испания', 'إسبانيا', '西班牙'),
    _state('EST', 'EE', '233', '1991-09-17', 'Estonia', 'Estonie', 'Estonia', 'Эстония', 'إستونيا', '爱沙尼亚'),
    _state('ETH', 'ET', '231', '1945-10-24', 'Ethiopia', 'Éthiopie', 'Etiopía', 'Эфиопия', 'إثيوبيا', '埃塞俄比亚'),
    _state('FIN', 'FI', '246', '1955-12-14', 'Finland', 'Finlande', 'Finlandia', 'Финляндия', 'فنلندا', '芬兰'),
    _state('FJI', 'FJ', '242', '1970-10-13', 'Fiji', 'Fidji', 'Fiji', 'Фиджи', 'فيجي', '斐济'),
    _state('FRA', 'FR', '250', '1945-10-24', 'France', 'France', 'Francia', 'Франция', 'فرنسا', '法国'),
    _state('FSM', 'FM', '583', '1991-09-17', 'Micronesia (Federated States of)', 'Micronésie (États fédérés de)', 'Micronesia (Estados Federados de)', 'Микронезия (Федеративные Штаты)', 'ميكرونيزيا (ولايات - الموحدة)', '密克罗尼西亚联邦'),
    _state('GAB', 'GA', '266', '1960-09-20', 'Gabon', 'Gabon', 'Gabón', 'Габон', 'غابون', '加蓬'),
    _state('GBR', 'GB', '826', '1945-10-24', 'United Kingdom of Great Britain and Northern Ireland', "Royaume-Uni de Grande-Bretagne et d'Irlande du Nord", 'Reino Unido de Gran Bretaña e Irlanda del Norte', 'Соединенное Королевство Великобритании и Северной Ирландии', 'المملكة المتحدة لبريطانيا العظمى وأيرلندا الشمالية', '大不列颠及北爱尔兰联合王国'),
    _state('GEO', 'GE', '268', '1992-07-31', 'Georgia', 'Géorgie', 'Georgia', 'Грузия', 'جورجيا', '格鲁吉亚'),
    _state('GHA', 'GH', '288', '1957-03-08', 'Ghana', 'Ghana', 'Ghana', 'Гана', 'غانا', '加纳'),
    _state('GIN', 'GN', '324', '1958-12-12', 'Guinea', 'Guinée', 'Guinea', 'Гвинея', 'غينيا', '几内亚'),
    _state('GMB', 'GM', '270', '1965-09-21', 'Gambia (Republic of The)', 'Gambie (République de)', 'Gambia (República de)', 'Гамбия', 'غامبيا', '冈比亚'),
    _state('GNB', 'GW', '624', '1974-09-17', 'Guinea-Bissau', 'Guinée-Bissau', 'Guinea-Bissau', 'Гвинея-Бисау', 'غينيا - بيساو', '几内亚比绍'),
    _state('GNQ', 'GQ', '226', '1968-11-12', 'Equatorial Guinea', 'Guinée équatoriale', 'Guinea Ecuatorial', 'Экваториальная Гвинея', 'غينيا الاستوائية', '赤道几内亚'),
    _state('GRC', 'GR', '300', '1945-10-24', 'Greece', 'Grèce', 'Grecia', 'Греция', 'اليونان', '希腊'),
    _state('GRD', 'GD', '308', '1974-09-17', 'Grenada', 'Grenade', 'Granada', 'Гренада', 'غرينادا', '格林纳达'),
    _state('GTM', 'GT', '320', '1945-10-24', 'Guatemala', 'Guatemala', 'Guatemala', 'Гватемала', 'غواتيمالا', '危地马拉'),
    _state('GUY', 'GY', '328', '1966-09-20', 'Guyana', 'Guyana', 'Guyana', 'Гайана', 'غيانا', '圭亚那'),
    _state('HND', 'HN', '340', '1945-10-24', 'Honduras', 'Honduras', 'Honduras', 'Гондурас', 'هندوراس', '洪都拉斯'),
    _state('HRV', 'HR', '191', '1992-05-22', 'Croatia', 'Croatie', 'Croacia', 'Хорватия', 'كرواتيا', '克罗地亚'),
    _state('HTI', 'HT', '332', '1945-10-24', 'Haiti', 'Haïti', 'Haití', 'Гаити', 'هايتي', '海地'),
    _state('HUN', 'HU', '348', '1955-12-14', 'Hungary', 'Hongrie', 'Hungría', 'Венгрия', 'هنغاريا', '匈牙利'),
    _state('IDN', 'ID', '360', '1950-09-28', 'Indonesia', 'Indonésie', 'Indonesia', 'Индонезия', 'إندونيسيا', '印度尼西亚'),
    _state('IND', 'IN', '356', '1945-10-24', 'India', 'Inde', 'India', 'Индия', 'الهند', '印度'),
    _state('IRL', 'IE', '372', '1955-12-14', 'Ireland', 'Irlande', 'Irlanda', 'Ирландия', 'آيرلندا', '爱尔兰'),
    _state('IRN', 'IR', '364', '1945-10-24', 'Iran (Islamic Republic of)', "Iran (République islamique d')", 'Irán (República Islámica del)', 'Иран (Исламская Республика)', 'إيران (جمهورية - الإسلامية)', '伊朗伊斯兰共和国'),
    _state('IRQ', 'IQ', '368', '1945-10-24', 'Iraq', 'Iraq', 'Iraq', 'Ирак', 'العراق', '伊拉克'),
    _state('ISL', 'IS', '352', '1946-11-19', 'Iceland', 'Islande', 'Islandia', 'Исландия', 'آيسلندا', '冰岛'),
    _state('ISR', 'IL', '376', '1949-05-11', 'Israel', 'Israël', 'Israel', 'Израиль', 'إسرائيل', '以色列'),
    _state('ITA', 'IT', '380', '1955-12-14', 'Italy', 'Italie', 'Italia', 'Италия', 'إيطاليا', '意大利'),
    _state('JAM', 'JM', '388', '1962-09-18', 'Jamaica', 'Jamaïque', 'Jamaica', 'Ямайка', 'جامايكا', '牙买加'),
    _state('JOR', 'JO', '400', '1955-12-14', 'Jordan', 'Jordanie', 'Jordania', 'Иордания', 'الأردن', '约旦'),
    _state('JPN', 'JP', '392', '1956-12-18', 'Japan', 'Japon', 'Japón', 'Япония', 'اليابان', '日本'),
    _state('KAZ', 'KZ', '398', '1992-03-02', 'Kazakhstan', 'Kazakhstan', 'Kazajstán', 'Казахстан', 'كازاخستان', '哈萨克斯坦'),
    _state('KEN', 'KE', '404', '1963-12-16', 'Kenya', 'Kenya', 'Kenya', 'Кения', 'كينيا', '肯尼亚'),
    _state('KGZ', 'KG', '417', '1992-03-02', 'Kyrgyzstan', 'Kirghizistan', 'Kirguistán', 'Кыргызстан', 'قيرغيزستان', '吉尔吉斯斯坦'),
    _state('KHM', 'KH', '116', '1955-12-14', 'Cambodia', 'Cambodge', 'Camboya', 'Камбоджа', 'كمبوديا', '柬埔寨'),
    _state('KIR', 'KI', '296', '1999-09-14', 'Kiribati', 'Kiribati', 'Kiribati', 'Кирибати', 'كيريباس', '基里巴斯'),
    _state('KNA', 'KN', '659', '1983-09-23', 'Saint Kitts and Nevis', 'Saint-Kitts-et-Nevis', 'Saint Kitts y Nevis', 'Сент-Китс и Невис', 'سانت كيتس ونيفس', '圣基茨和尼维斯'),
    _state('KOR', 'KR', '410', '1991-09-17', 'Republic of Korea', 'République de Corée', 'República de Corea', 'Республика Корея', 'جمهورية كوريا', '大韩民国'),
    _state('KWT', 'KW', '414', '1963-05-14', 'Kuwait', 'Koweït', 'Kuwait', 'Кувейт', 'الكويت', '科威特'),
    _state('LAO', 'LA', '418', '1955-12-14', "Lao People's Democratic Republic", 'République démocratique populaire lao', 'República Democrática Popular Lao', 'Лаосская Народно-Демократическая Республика', 'جمهورية لاو الديمقراطية الشعبية', '老挝人民民主共和国'),
    _state('LBN', 'LB', '422', '1945-10-24', 'Lebanon', 'Liban', 'Líbano', 'Ливан', 'لبنان', '黎巴嫩'),
    _state('LBR', 'LR', '430', '1945-10-24', 'Liberia', 'Libéria', 'Liberia', 'Либерия', 'ليبيريا', '利比里亚'),
    _state('LBY', 'LY', '434', '1955-12-14', 'Libya', 'Libye', 'Libia', 'Ливия', 'ليبيا', '利比亚'),
    _state('LCA', 'LC', '662', '1979-09-18', 'Saint Lucia', 'Sainte-Lucie', 'Santa Lucía', 'Сент-Люсия', 'سانت لوسيا', '圣卢西亚'),
    _state('LIE', 'LI', '438', '1990-09-18', 'Liechtenstein', 'Liechtenstein', 'Liechtenstein', 'Лихтенштейн', 'ليختنشتاين', '列支敦士登'),
    _state('LKA', 'LK', '144', '1955-12-14', 'Sri Lanka', 'Sri Lanka', 'Sri Lanka', 'Шри-Ланка', 'سريلانكا', '斯里兰卡'),
    _state('LSO', 'LS', '426', '1966-10-17', 'Lesotho', 'Lesotho', 'Lesotho', 'Лесото', 'ليسوتو', '莱索托'),
    _state('LTU', 'LT', '440', '1991-09-17', 'Lithuania', 'Lituanie', 'Lituania', 'Литва', 'ليتوانيا', '立陶宛'),
    _state('LUX', 'LU', '442', '1945-10-24', 'Luxembourg', 'Luxembourg', 'Luxemburgo', 'Люксембург', 'لكسمبرغ', '卢森堡'),
    _state('LVA', 'LV', '428', '1991-09-17', 'Latvia', 'Lettonie', 'Letonia', 'Латвия', 'لاتفيا', '拉脱维亚'),
    _state('MAR', 'MA', '504', '1956-11-12', 'Morocco', 'Maroc', 'Marruecos', 'Марокко', 'المغرب', '摩洛哥'),
    _state('MCO', 'MC', '492', '1993-05-28', 'Monaco', 'Monaco', 'Mónaco', 'Монако', 'موناكو', '摩纳哥'),
    _state('MDA', 'MD', '498', '1992-03-02', 'Republic of Moldova', 'République de Moldova', 'República de Moldova', 'Республика Молдова', 'جمهورية مولدوفا', '摩尔多瓦共和国'),
    _state('MDG', 'MG', '450', '1960-09-20', 'Madagascar', 'Madagascar', 'Madagascar', 'Мадагаскар', 'مدغشقر', '马达加斯加'),
    _state('MDV', 'MV', '462', '1965-09-21', 'Maldives', 'Maldives', 'Maldivas', 'Мальдивские Острова', 'ملديف', '马尔代夫'),
    _state('MEX', 'MX', '484', '1945-10-24', 'Mexico', 'Mexique', 'México', 'Мексика', 'المكسيك', '墨西哥'),
    _state('MHL', 'MH', '584', '1991-09-17', 'Marshall Islands', 'Îles Marshall', 'Islas Marshall', 'Маршалловы Острова', 'جزر مارشال', '马绍尔群岛'),
    _state('MKD', 'MK', '807', '1993-04-08', 'North Macedonia', 'Macédoine du Nord', 'Macedonia del Norte', 'Северная Македония', 'مقدونيا الشمالية', '北马其顿'),
    _state('MLI', 'ML', '466', '1960-09-28', 'Mali', 'Mali', 'Malí', 'Мали', 'مالي', '马里'),
    _state('MLT', 'MT', '470', '1964-12-01', 'Malta', 'Malte', 'Malta', 'Мальта', 'مالطة', '马耳他'),
    _state('MMR', 'MM', '104', '1948-04-19', 'Myanmar', 'Myanmar', 'Myanmar', 'Мьянма', 'ميانمار', '缅甸'),
    _state('MNE', 'ME', '499', '2006-06-28', 'Montenegro', 'Monténégro', 'Montenegro', 'Черногория', 'الجبل الأسود', '黑山'),
    _state('MNG', 'MN', '496', '1961-10-27', 'Mongolia', 'Mongolie', 'Mongolia', 'Монголия', 'منغوليا', '蒙古'),
    _state('MOZ', 'MZ', '508', '1975-09-16', 'Mozambique', 'Mozambique', 'Mozambique', 'Мозамбик', 'موزمبيق', '莫桑比克'),
    _state('MRT', 'MR', '478', '1961-10-27', 'Mauritania', 'Mauritanie', 'Mauritania', 'Мавритания', 'موريتانيا', '毛里塔尼亚'),
    _state('MUS', 'MU', '480', '1968-04-24', 'Mauritius', 'Maurice', 'Mauricio', 'Маврикий', 'موريشيوس', '毛里求斯'),
    _state('MWI', 'MW', '454', '1964-12-01', 'Malawi', 'Malawi', 'Malawi', 'Малави', 'ملاوي', '马拉维'),
    _state('MYS', 'MY', '458', '1957-09-17', 'Malaysia', 'Malaisie', 'Malasia', 'Малайзия', 'ماليزيا', '马来西亚'),
    _state('NAM', 'NA', '516', '1990-04-23', 'Namibia', 'Namibie', 'Namibia', 'Намибия', 'ناميبيا', '纳米比亚'),
    _state('NER', 'NE', '562', '1960-09-20', 'Niger', 'Niger', 'Níger', 'Нигер', 'النيجر', '尼日尔'),
    _state('NGA', 'NG', '566', '1960-10-07', 'Nigeria', 'Nigéria', 'Nigeria', 'Нигерия', 'نيجيريا', '尼日利亚'),
    _state('NIC', 'NI', '558', '1945-10-24', 'Nicaragua', 'Nicaragua', 'Nicaragua', 'Никарагуа', 'نيكاراغوا', '尼加拉瓜'),
    _state('NLD', 'NL', '528', '1945-10-24', 'Netherlands (Kingdom of the)', 'Pays-Bas (Royaume des)', 'Países Bajos (Reino de los)', 'Нидерланды', 'هولندا', '荷兰'),
    _state('NOR', 'NO', '578', '1945-10-24', 'Norway', 'Norvège', 'Noruega', 'Норвегия', 'النرويج', '挪威'),
    _state('NPL', 'NP', '524', '1955-12-14', 'Nepal', 'Népal', 'Nepal', 'Непал', 'نيبال', '尼泊尔'),
    _state('NRU', 'NR', '520', '1999-09-14', 'Nauru', 'Nauru', 'Nauru', 'Науру', 'ناورو', '瑙鲁'),
    _state('NZL', 'NZ', '554', '1945-10-24', 'New Zealand', 'Nouvelle-Zélande', 'Nueva Zelandia', 'Новая Зеландия', 'نيوزيلندا', '新西兰'),
    _state('OMN', 'OM', '512', '1971-10-07', 'Oman', 'Oman', 'Omán', 'Оман', 'عُمان', '阿曼'),
    _state('PAK', 'PK', '586', '1947-09-30', 'Pakistan', 'Pakistan', 'Pakistán', 'Пакистан', 'باكستان', '巴基斯坦'),
    _state('PAN', 'PA', '591', '1945-10-24', 'Panama', 'Panama', 'Panamá', 'Панама', 'بنما', '巴拿马'),
    _state('PER', 'PE', '604', '1945-10-24', 'Peru', 'Pérou', 'Perú', 'Перу', 'بيرو', '秘鲁'),
    _state('PHL', 'PH', '608', '1945-10-24', 'Philippines', 'Philippines', 'Filipinas', 'Филиппины', 'الفلبين', '菲律宾'),
    _state('PLW', 'PW', '585', '1994-12-15', 'Palau', 'Palaos', 'Palau', 'Палау', 'بالاو', '帕劳'),
    _state('PNG', 'PG', '598', '1975-10-10', 'Papua New Guinea', 'Papouasie-Nouvelle-Guinée', 'Papua Nueva Guinea', 'Папуа — Новая Гвинея', 'بابوا غينيا الجديدة', '巴布亚新几内亚'),
    _state('POL', 'PL', '616', '1945-10-24', 'Poland', 'Pologne', 'Polonia', 'Польша', 'بولندا', '波兰'),
    _state('PRK', 'KP', '408', '1991-09-17', "Democratic People's Republic of Korea", 'République populaire démocratique de Corée', 'República Popular Democrática de Corea', 'Корейская Народно-Демократическая Республика', 'جمهورية كوريا الشعبية الديمقراطية', '朝鲜民主主义人民共和国'),
    _state('PRT', 'PT', '620', '1955-12-14', 'Portugal', 'Portugal', 'Portugal', 'Португалия', 'البرتغال', '葡萄牙'),
    _state('PRY', 'PY', '600', '1945-10-24', 'Paraguay', 'Paraguay', 'Paraguay', 'Парагвай', 'باراغواي', '巴拉圭'),
    _state('QAT', 'QA', '634', '1971-09-21', 'Qatar', 'Qatar', 'Qatar', 'Катар', 'قطر', '卡塔尔'),
    _state('ROU', 'RO', '642', '1955-12-14', 'Romania', 'Roumanie', 'Rumania', 'Румыния', 'رومانيا', '罗马尼亚'),
    _state('RUS', 'RU', '643', '1945-10-24', 'Russian Federation', 'Fédération de Russie', 'Federación de Rusia', 'Российская Федерация', 'الاتحاد الروسي', '俄罗斯联邦'),
    _state('RWA', 'RW', '646', '1962-09-18', 'Rwanda', 'Rwanda', 'Rwanda', 'Руанда', 'رواندا', '卢旺达'),
    _state('SAU', 'SA', '682', '1945-10-24', 'Saudi Arabia', 'Arabie saoudite', 'Arabia Saudita', 'Саудовская Аравия', 'المملكة العربية السعودية', '沙特阿拉伯'),
    _state('SDN', 'SD', '729', '1956-11-12', 'Sudan', 'Soudan', 'Sudán', 'Судан', 'السودان', '苏丹'),
    _state('SEN', 'SN', '686', '1960-09-28', 'Senegal', 'Sénégal', 'Senegal', 'Сенегал', 'السنغال', '塞内加尔'),
    _state('SGP', 'SG', '702', '1965-09-21', 'Singapore', 'Singapour', 'Singapur', 'Сингапур', 'سنغافورة', '新加坡'),
    _state('SLB', 'SB', '090', '1978-09-19', 'Solomon Islands', 'Îles Salomon', 'Islas Salomón', 'Соломоновы Острова', 'جزر سليمان', '所罗门群岛'),
    _state('SLE', 'SL', '694', '1961-09-27', 'Sierra Leone', 'Sierra Leone', 'Sierra Leona', 'Сьерра-Леоне', 'سيراليون', '塞拉利昂'),
    _state('SLV', 'SV', '222', '1945-10-24', 'El Salvador', 'El Salvador', 'El Salvador', 'Сальвадор', 'السلفادور', '萨尔瓦多'),
    _state('SMR', 'SM', '674', '1992-03-02', 'San Marino', 'Saint-Marin', 'San Marino', 'Сан-Марино', 'سان مارينو', '圣马力诺'),
    _state('SOM', 'SO', '706', '1960-09-20', 'Somalia', 'Somalie', 'Somalia', 'Сомали', 'الصومال', '索马里'),
    _state('SRB', 'RS', '688', '2000-11-01', 'Serbia', 'Serbie', 'Serbia', 'Сербия', 'صربيا', '塞尔维亚'),
    _state('SSD', 'SS', '728', '2011-07-14', 'South Sudan', 'Soudan du Sud', 'Sudán del Sur', 'Южный Судан', 'جنوب السودان', '南苏丹'),
    _state('STP', 'ST', '678', '1975-09-16', 'Sao Tome and Principe', 'Sao Tomé-et-Principe', 'Santo Tomé y Príncipe', 'Сан-Томе и Принсипи', 'سان تومي وبرينسيبي', '圣多美和普林西比'),
    _state('SUR', 'SR', '740', '1975-12-04', 'Suriname', 'Suriname', 'Suriname', 'Суринам', 'سورينام', '苏里南'),
    _state('SVK', 'SK', '703', '1993-01-19', 'Slovakia', 'Slovaquie', 'Eslovaquia', 'Словакия', 'سلوفاكيا', '斯洛伐克'),
    _state('SVN', 'SI', '705', '1992-05-22', 'Slovenia', 'Slovénie', 'Eslovenia', 'Словения', 'سلوفينيا', '斯洛文尼亚'),
    _state('SWE', 'SE', '752', '1946-11-19', 'Sweden', 'Suède', 'Suecia', 'Швеция', 'السويد', '瑞典'),
    _state('SWZ', 'SZ', '748', '1968-09-24', 'Eswatini', 'Eswatini', 'Eswatini', 'Эсватини', 'إسواتيني', '斯威士兰'),
    _state('SYC', 'SC', '690', '1976-09-21', 'Seychelles', 'Seychelles', 'Seychelles', 'Сейшельские Острова', 'سيشيل', '塞舌尔'),
    _state('SYR', 'SY', '760', '1945-10-24', 'Syrian Arab Republic', 'République arabe syrienne', 'República Árabe Siria', 'Сирийская Арабская Республика', 'الجمهورية العربية السورية', '阿拉伯叙利亚共和国'),
    _state('TCD', 'TD', '148', '1960-09-20', 'Chad', 'Tchad', 'Chad', 'Чад', 'تشاد', '乍得'),
    _state('TGO', 'TG', '768', '1960-09-20', 'Togo', 'Togo', 'Togo', 'Того', 'توغو', '多哥'),
    _state('THA', 'TH', '764', '1946-12-16', 'Thailand', 'Thaïlande', 'Tailandia', 'Таиланд', 'تايلند', '泰国'),
    _state('TJK', 'TJ', '762', '1992-03-02', 'Tajikistan', 'Tadjikistan', 'Tayikistán', 'Таджикистан', 'طاجيكستان', '塔吉克斯坦'),
    _state('TKM', 'TM', '795', '1992-03-02', 'Turkmenistan', 'Turkménistan', 'Turkmenistán', 'Туркменистан', 'تركمانستان', '土库曼斯坦'),
    _state('TLS', 'TL', '626', '2002-09-27', 'Timor-Leste', 'Timor-Leste', 'Timor-Leste', 'Тимор-Лешти', 'تيمور - ليشتي', '东帝汶'),
    _state('TON', 'TO', '776', '1999-09-14', 'Tonga', 'Tonga', 'Tonga', 'Тонга', 'تونغا', '汤加'),
    _state('TTO', 'TT', '780', '1962-09-18', 'Trinidad and Tobago', 'Trinité-et-Tobago', 'Trinidad y Tabago', 'Тринидад и Тобаго', 'ترينيداد وتوباغو', '特立尼达和多巴哥'),
    _state('TUN', 'TN', '788', '1956-11-12', 'Tunisia', 'Tunisie', 'Túnez', 'Тунис', 'تونس', '突尼斯'),
    _state('TUR', 'TR', '792', '1945-10-24', 'Türkiye', 'Türkiye', 'Türkiye', 'Турция', 'تركيا', '土耳其'),
    _state('TUV', 'TV', '798', '2000-09-05', 'Tuvalu', 'Tuvalu', 'Tuvalu', 'Тувалу', 'توفالو', '图瓦卢'),
    _state('TZA', 'TZ', '834', '1961-12-14', 'United Republic of Tanzania', 'République-Unie de Tanzanie', 'República Unida de Tanzanía', 'Объединенная Республика Танзания', 'جمهورية تنزانيا المتحدة', '坦桑尼亚联合共和国'),
    _state('UGA', 'UG', '800', '1962-10-25', 'Uganda', 'Ouganda', 'Uganda', 'Уганда', 'أوغندا', '乌干达'),
    _state('UKR', 'UA', '804', '1945-10-24', 'Ukraine', 'Ukraine', 'Ucrania', 'Украина', 'أوكرانيا', '乌克兰'),
    _state('URY', 'UY', '858', '1945-10-24', 'Uruguay', 'Uruguay', 'Uruguay', 'Уругвай', 'أوروغواي', '乌拉圭'),
    _state('USA', 'US', '840', '1945-10-24', 'United States of America', "États-Unis d'Amérique", 'Estados Unidos de América', 'Соединенные Штаты Америки', 'الولايات المتحدة الأمريكية', '美利坚合众国'),
    _state('UZB', 'UZ', '860', '1992-03-02', 'Uzbekistan', 'Ouzbékistan', 'Uzbekistán', 'Узбекистан', 'أوزبكستان', '乌兹别克斯坦'),
    _state('VCT', 'VC', '670', '1980-09-16', 'Saint Vincent and the Grenadines', 'Saint-Vincent-et-les Grenadines', 'San Vicente y las Granadinas', 'Сент-Винсент и Гренадины', 'سانت فنسنت وجزر غرينادين', '圣文森特和格林纳丁斯'),
    _state('VEN', 'VE', '862', '1945-10-24', 'Venezuela (Bolivarian Republic of)', 'Venezuela (République bolivarienne du)', 'Venezuela (República Bolivariana de)', 'Венесуэла (Боливарианская Республика)', 'فنزويلا (جمهورية - البوليفارية)', '委内瑞拉玻利瓦尔共和国'),
    _state('VNM', 'VN', '704', '1977-09-20', 'Viet Nam', 'Viet Nam', 'Viet Nam', 'Вьетнам', 'فييت نام', '越南'),
    _state('VUT', 'VU', '548', '1981-09-15', 'Vanuatu', 'Vanuatu', 'Vanuatu', 'Вануату', 'فانواتو', '瓦努阿图'),
    _state('WSM', 'WS', '882', '1976-12-15', 'Samoa', 'Samoa', 'Samoa', 'Самоа', 'ساموا', '萨摩亚'),
    _state('YEM', 'YE', '887', '1947-09-30', 'Yemen', 'Yémen', 'Yemen', 'Йемен', 'اليمن', '也门'),
    _state('ZAF', 'ZA', '710', '1945-10-24', 'South Africa', 'Afrique du Sud', 'Sudáfrica', 'Южная Африка', 'جنوب أفريقيا', '南非'),
    _state('ZMB', 'ZM', '894', '1964-12-01', 'Zambia', 'Zambie', 'Zambia', 'Замбия', 'زامبيا', '赞比亚'),
    _state('ZWE', 'ZW', '716', '1980-08-25', 'Zimbabwe', 'Zimbabwe', 'Zimbabwe', 'Зимбабве', 'زيمبابوي', '津巴布韦'),
)

# Non-member observer States.
OBSERVER_STATES: tuple[DelegationRecord, ...] = (
    _state('VAT', 'VA', '336', None, 'Holy See', 'Saint-Siège', 'Santa Sede', 'Святейший Престол', 'الكرسي الرسولي', '教廷'),
    _state('PSE', 'PS', '275', None, 'State of Palestine', 'État de Palestine', 'Estado de Palestina', 'Государство Палестина', 'دولة فلسطين', '巴勒斯坦国'),
)

GROUPS: tuple[DelegationRecord, ...] = (
    _org("EU", "group", "European Union", "Union européenne", "Unión Europea",
         "Европейский союз", "الاتحاد الأوروبي", "欧洲联盟"),
    _org("G77", "group", "Group of 77 and China", "Groupe des 77 et la Chine", "Grupo de los 77 y China",
         "Группа 77 и Китай", "مجموعة الـ 77 والصين", "77国集团和中国"),
    _org("AG", "group", "African Group", "Groupe des États d'Afrique", "Grupo de los Estados de África",
         "Группа африканских государств", "مجموعة الدول الأفريقية", "非洲国家组"),
    _org("APG", "group", "Asia-Pacific Group", "Groupe des États d'Asie et du Pacifique",
         "Grupo de los Estados de Asia y el Pacífico", "Группа азиатско-тихоокеанских государств",
         "مجموعة دول آسيا والمحيط الهادئ", "亚洲及太平洋国家组"),
    _org("GRULAC", "group", "Group of Latin American and Caribbean States",
         "Groupe des États d'Amérique latine et des Caraïbes",
         "Grupo de los Estados de América Latina y el Caribe",
         "Группа государств Латинской Америки и Карибского бассейна",
         "مجموعة دول أمريكا اللاتينية ومنطقة البحر الكاريبي", "拉丁美洲和加勒比国家组"),
    _org("WEOG", "group", "Western European and Others Group",
         "Groupe des États d'Europe occidentale et autres États",
         "Grupo de los Estados de Europa Occidental y otros Estados",
         "Группа западноевропейских и других государств",
         "مجموعة دول أوروبا الغربية ودول أخرى", "西欧和其他国家组"),
    _org("EEG", "group", "Eastern European Group", "Groupe des États d'Europe orientale",
         "Grupo de los Estados de Europa Oriental", "Группа восточноевропейских государств",
         "مجموعة دول أوروبا الشرقية", "东欧国家组"),
    # Not "NAM": that is Namibia's ISO alpha-3 code.
    _org("NON-ALIGNED", "group", "Non-Aligned Movement", "Mouvement des pays non alignés",
         "Movimiento de Países No Alineados", "Движение неприсоединения",
         "حركة عدم الانحياز", "不结盟运动"),
    _org("AOSIS", "group", "Alliance of Small Island States", "Alliance des petits États insulaires",
         "Alianza de los Pequeños Estados Insulares", "Альянс малых островных государств",
         "تحالف الدول الجزرية الصغيرة", "小岛屿国家联盟"),
    _org("LDC", "group", "Group of Least Developed Countries", "Groupe des pays les moins avancés",
         "Grupo de los Países Menos Adelantados", "Группа наименее развитых стран",
         "مجموعة أقل البلدان نموا", "最不发达国家集团"),
    _org("ARAB", "group", "Arab Group", "Groupe des États arabes", "Grupo de los Estados Árabes",
         "Группа арабских государств", "المجموعة العربية", "阿拉伯国家集团"),
    _org("OIC", "group", "Organisation of Islamic Cooperation", "Organisation de la coopération islamique",
         "Organización de Cooperación Islámica", "Организация исламского сотрудничества",
         "منظمة التعاون الإسلامي", "伊斯兰合作组织"),
    _org("CARICOM", "group", "Caribbean Community", "Communauté des Caraïbes", "Comunidad del Caribe",
         "Карибское сообщество", "الجماعة الكاريبية", "加勒比共同体"),
)

ORGANISATIONS: tuple[DelegationRecord, ...] = (
    _org("UNODC", "un_entity", "United Nations Office on Drugs and Crime",
         "Office des Nations Unies contre la drogue et le crime",
         "Oficina de las Naciones Unidas contra la Droga y el Delito",
         "Управление Организации Объединенных Наций по наркотикам и преступности",
         "مكتب الأمم المتحدة المعني بالمخدرات والجريمة", "联合国毒品和犯罪问题办公室"),
    _org("OHCHR", "un_entity", "Office of the United Nations High Commissioner for Human Rights",
         "Haut-Commissariat des Nations Unies aux droits de l'homme",
         "Oficina del Alto Comisionado de las Naciones Unidas para los Derechos Humanos",
         "Управление Верховного комиссара Организации Объединенных Наций по правам человека",
         "مفوضية الأمم المتحدة السامية لحقوق الإنسان", "联合国人权事务高级专员办事处"),
    _org("ILO", "un_entity", "International Labour Organization", "Organisation internationale du Travail",
         "Organización Internacional del Trabajo", "Международная организация труда",
         "منظمة العمل الدولية", "国际劳工组织"),
    _org("IOM", "igo", "International Organization for Migration",
         "Organisation internationale pour les migrations",
         "Organización Internacional para las Migraciones", "Международная организация по миграции",
         "المنظمة الدولية للهجرة", "国际移民组织"),
    _org("UNICEF", "un_entity", "United Nations Children's Fund", "Fonds des Nations Unies pour l'enfance",
         "Fondo de las Naciones Unidas para la Infancia", "Детский фонд Организации Объединенных Наций",
         "منظمة الأمم المتحدة للطفولة", "联合国儿童基金会"),
    _org("UNHCR", "un_entity", "Office of the United Nations High Commissioner for Refugees",
         "Haut-Commissariat des Nations Unies pour les réfugiés",
         "Oficina del Alto Comisionado de las Naciones Unidas para los Refugiados",
         "Управление Верховного комиссара Организации Объединенных Наций по делам беженцев",
         "مفوضية الأمم المتحدة لشؤون اللاجئين", "联合国难民事务高级专员办事处"),
    _org("ICAT", "un_entity", "Inter-Agency Coordination Group against Trafficking in Persons",
         "Groupe interinstitutions de coordination contre la traite des personnes",
         "Grupo Interinstitucional de Coordinación contra la Trata de Personas",
         "Межучрежденческая группа по координации деятельности по борьбе с торговлей людьми",
         "الفريق المشترك بين الوكالات للتنسيق في مجال مكافحة الاتجار بالأشخاص",
         "打击人口贩运问题机构间协调小组"),
    _org("AU", "igo", "African Union", "Union africaine", "Unión Africana",
         "Африканский союз", "الاتحاد الأفريقي", "非洲联盟"),
    _org("COE", "igo", "Council of Europe", "Conseil de l'Europe", "Consejo de Europa",
         "Совет Европы", "مجلس أوروبا", "欧洲委员会"),
    _org("OSCE", "igo", "Organization for Security and Co-operation in Europe",
         "Organisation pour la sécurité et la coopération en Europe",
         "Organización para la Seguridad y la Cooperación en Europa",
         "Организация по безопасности и сотрудничеству в Европе",
         "منظمة الأمن والتعاون في أوروبا", "欧洲安全与合作组织"),
)
# fmt: on

ALL_DELEGATIONS: tuple[DelegationRecord, ...] = MEMBER_STATES + OBSERVER_STATES + GROUPS + ORGANISATIONS


def _index(records: tuple[DelegationRecord, ...]) -> dict[str, DelegationRecord]:
    index: dict[str, DelegationRecord] = {}
    for record in records:
        if record.code in index:
            raise ValueError(f"duplicate delegation code {record.code!r}")
        index[record.code] = record
    return index


#: Every record of :data:`ALL_DELEGATIONS`, by its upper-case code.
BY_CODE: dict[str, DelegationRecord] = _index(ALL_DELEGATIONS)


def get_record(code: str) -> DelegationRecord:
    """Return the record for ``code`` (case-insensitive, surrounding spaces ignored).

    Raises :class:`UnknownDelegationError` (a ``ValueError``) for unknown codes.
    """
    if isinstance(code, str):
        record = BY_CODE.get(code.strip().upper())
        if record is not None:
            return record
    raise UnknownDelegationError(code)


def member_states_on(day: datetime.date) -> list[DelegationRecord]:
    """Return the current Member States that had been admitted on or before ``day``.

    States that have since ceased to exist (e.g. Czechoslovakia, Yugoslavia)
    are not in the reference data, so they are never returned.
    """
    if isinstance(day, datetime.datetime):
        day = day.date()
    return [s for s in MEMBER_STATES if s.admitted_on is not None and s.admitted_on <= day]


#: Valid code for an organisation added by the secretariat: 2 to 12 characters,
#: upper-case ASCII letters, digits and hyphens, not starting or ending with a hyphen.
CODE_PATTERN = r"^[A-Z0-9](?:[A-Z0-9-]{0,10}[A-Z0-9])$"
_CODE_RE = re.compile(CODE_PATTERN)


def validate_new_code(code: str) -> str:
    """Normalise and check a code for a new NGO, IGO or UN entity.

    Returns the code upper-cased (surrounding spaces removed).  Raises
    ``ValueError`` with a message fit to show the user if the code is not
    2-12 letters, digits or hyphens, or if it is already used by a State,
    group or organisation in the reference data.
    """
    if not isinstance(code, str):
        raise ValueError("The code must be text.")
    normalised = code.strip().upper()
    if not normalised:
        raise ValueError("The code is required.")
    if not _CODE_RE.fullmatch(normalised):
        raise ValueError(
            f"Invalid code {code!r}: use 2 to 12 characters, only letters A-Z, digits "
            f"and hyphens (no spaces), not starting or ending with a hyphen, "
            f"e.g. CARITAS or LA-STRADA."
        )
    if normalised in BY_CODE:
        raise ValueError(
            f"The code {normalised!r} is already used by {BY_CODE[normalised].names['en']}; "
            f"choose another code."
        )
    return normalised
