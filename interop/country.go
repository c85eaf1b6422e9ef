package interop

import (
	"strings"
	"sync"
)

// country is an ISO 3166-1 country: its alpha-2 code, the short English name
// Blurline uses as the entity name, and other names sources use for it.
type country struct {
	Code    string
	Name    string
	Aliases []string
}

// countries is ISO 3166-1 (alpha-2, short English names), with the variants
// the MISP galaxies and STIX producers write (ISO's "Iran (Islamic Republic
// of)", CFR's "Russian Federation", "US"...). One line per country:
// code|name|alias;alias.
const countries = `AD|Andorra|
AE|United Arab Emirates|UAE
AF|Afghanistan|
AG|Antigua and Barbuda|
AI|Anguilla|
AL|Albania|
AM|Armenia|
AO|Angola|
AQ|Antarctica|
AR|Argentina|
AS|American Samoa|
AT|Austria|
AU|Australia|Commonwealth of Australia
AW|Aruba|
AX|Aland Islands|
AZ|Azerbaijan|
BA|Bosnia and Herzegovina|
BB|Barbados|
BD|Bangladesh|
BE|Belgium|
BF|Burkina Faso|
BG|Bulgaria|
BH|Bahrain|
BI|Burundi|
BJ|Benin|
BL|Saint Barthelemy|
BM|Bermuda|
BN|Brunei|Brunei Darussalam
BO|Bolivia|Bolivia (Plurinational State of)
BQ|Bonaire, Sint Eustatius and Saba|
BR|Brazil|
BS|Bahamas|
BT|Bhutan|
BV|Bouvet Island|
BW|Botswana|
BY|Belarus|
BZ|Belize|
CA|Canada|
CC|Cocos (Keeling) Islands|
CD|Democratic Republic of the Congo|Congo (Democratic Republic of the);DR Congo
CF|Central African Republic|
CG|Republic of the Congo|Congo
CH|Switzerland|
CI|Cote d'Ivoire|Ivory Coast
CK|Cook Islands|
CL|Chile|
CM|Cameroon|
CN|China|People's Republic of China;PRC
CO|Colombia|
CR|Costa Rica|
CU|Cuba|
CV|Cabo Verde|Cape Verde
CW|Curacao|
CX|Christmas Island|
CY|Cyprus|
CZ|Czechia|Czech Republic
DE|Germany|
DJ|Djibouti|
DK|Denmark|
DM|Dominica|
DO|Dominican Republic|
DZ|Algeria|
EC|Ecuador|
EE|Estonia|
EG|Egypt|
EH|Western Sahara|
ER|Eritrea|
ES|Spain|
ET|Ethiopia|
FI|Finland|
FJ|Fiji|
FK|Falkland Islands|
FM|Micronesia|Micronesia (Federated States of)
FO|Faroe Islands|
FR|France|
GA|Gabon|
GB|United Kingdom|United Kingdom of Great Britain and Northern Ireland;UK;Great Britain
GD|Grenada|
GE|Georgia|
GF|French Guiana|
GG|Guernsey|
GH|Ghana|
GI|Gibraltar|
GL|Greenland|
GM|Gambia|
GN|Guinea|
GP|Guadeloupe|
GQ|Equatorial Guinea|
GR|Greece|
GS|South Georgia and the South Sandwich Islands|
GT|Guatemala|
GU|Guam|
GW|Guinea-Bissau|
GY|Guyana|
HK|Hong Kong|
HM|Heard Island and McDonald Islands|
HN|Honduras|
HR|Croatia|
HT|Haiti|
HU|Hungary|
ID|Indonesia|
IE|Ireland|
IL|Israel|
IM|Isle of Man|
IN|India|
IO|British Indian Ocean Territory|
IQ|Iraq|
IR|Iran|Iran (Islamic Republic of);Islamic Republic of Iran
IS|Iceland|
IT|Italy|
JE|Jersey|
JM|Jamaica|
JO|Jordan|
JP|Japan|
KE|Kenya|
KG|Kyrgyzstan|
KH|Cambodia|
KI|Kiribati|
KM|Comoros|
KN|Saint Kitts and Nevis|
KP|North Korea|Korea (Democratic People's Republic of);Democratic People's Republic of Korea;DPRK
KR|South Korea|Korea (Republic of);Republic of Korea
KW|Kuwait|
KY|Cayman Islands|
KZ|Kazakhstan|
LA|Laos|Lao People's Democratic Republic
LB|Lebanon|
LC|Saint Lucia|
LI|Liechtenstein|
LK|Sri Lanka|
LR|Liberia|
LS|Lesotho|
LT|Lithuania|
LU|Luxembourg|
LV|Latvia|
LY|Libya|
MA|Morocco|
MC|Monaco|
MD|Moldova|Moldova (Republic of)
ME|Montenegro|
MF|Saint Martin (French part)|
MG|Madagascar|
MH|Marshall Islands|
MK|North Macedonia|
ML|Mali|
MM|Myanmar|Burma
MN|Mongolia|
MO|Macao|Macau
MP|Northern Mariana Islands|
MQ|Martinique|
MR|Mauritania|
MS|Montserrat|
MT|Malta|
MU|Mauritius|
MV|Maldives|
MW|Malawi|
MX|Mexico|
MY|Malaysia|
MZ|Mozambique|
NA|Namibia|
NC|New Caledonia|
NE|Niger|
NF|Norfolk Island|
NG|Nigeria|
NI|Nicaragua|
NL|Netherlands|Kingdom of the Netherlands
NO|Norway|
NP|Nepal|
NR|Nauru|
NU|Niue|
NZ|New Zealand|
OM|Oman|
PA|Panama|
PE|Peru|
PF|French Polynesia|
PG|Papua New Guinea|
PH|Philippines|The Philippines
PK|Pakistan|
PL|Poland|
PM|Saint Pierre and Miquelon|
PN|Pitcairn|
PR|Puerto Rico|
PS|Palestine|State of Palestine;Palestine, State of
PT|Portugal|
PW|Palau|
PY|Paraguay|
QA|Qatar|
RE|Reunion|
RO|Romania|
RS|Serbia|
RU|Russia|Russian Federation
RW|Rwanda|
SA|Saudi Arabia|
SB|Solomon Islands|
SC|Seychelles|
SD|Sudan|
SE|Sweden|
SG|Singapore|
SH|Saint Helena, Ascension and Tristan da Cunha|
SI|Slovenia|
SJ|Svalbard and Jan Mayen|
SK|Slovakia|
SL|Sierra Leone|
SM|San Marino|
SN|Senegal|
SO|Somalia|
SR|Suriname|
SS|South Sudan|
ST|Sao Tome and Principe|
SV|El Salvador|
SX|Sint Maarten (Dutch part)|
SY|Syria|Syrian Arab Republic
SZ|Eswatini|Swaziland
TC|Turks and Caicos Islands|
TD|Chad|
TF|French Southern Territories|
TG|Togo|
TH|Thailand|
TJ|Tajikistan|
TK|Tokelau|
TL|Timor-Leste|East Timor
TM|Turkmenistan|
TN|Tunisia|
TO|Tonga|
TR|Turkey|Turkiye;Republic of Turkiye
TT|Trinidad and Tobago|
TV|Tuvalu|
TW|Taiwan|Taiwan, Province of China
TZ|Tanzania|Tanzania, United Republic of
UA|Ukraine|
UG|Uganda|
UM|United States Minor Outlying Islands|
US|United States|United States of America;USA;US
UY|Uruguay|
UZ|Uzbekistan|
VA|Holy See|Vatican City
VC|Saint Vincent and the Grenadines|
VE|Venezuela|Venezuela (Bolivarian Republic of)
VG|British Virgin Islands|Virgin Islands (British)
VI|U.S. Virgin Islands|Virgin Islands (U.S.)
VN|Vietnam|Viet Nam
VU|Vanuatu|
WF|Wallis and Futuna|
WS|Samoa|
YE|Yemen|
YT|Mayotte|
ZA|South Africa|
ZM|Zambia|
ZW|Zimbabwe|`

var (
	countryOnce   sync.Once
	countryByKey  map[string]*country // lower-case code, name or alias
	countryByCode map[string]*country
)

func loadCountries() {
	countryByKey = map[string]*country{}
	countryByCode = map[string]*country{}
	for line := range strings.SplitSeq(countries, "\n") {
		f := strings.SplitN(line, "|", 3)
		c := &country{Code: f[0], Name: f[1]}
		if f[2] != "" {
			c.Aliases = strings.Split(f[2], ";")
		}
		countryByCode[c.Code] = c
		for _, k := range append([]string{c.Code, c.Name}, c.Aliases...) {
			countryByKey[strings.ToLower(k)] = c
		}
	}
}

// lookupCountry finds a country by ISO alpha-2 code, name or known variant.
func lookupCountry(s string) (*country, bool) {
	countryOnce.Do(loadCountries)
	c, ok := countryByKey[strings.ToLower(strings.TrimSpace(s))]
	return c, ok
}

// countryExternalID is the external id of a country's State entity.
func countryExternalID(c *country) string { return "iso3166-1:" + c.Code }
