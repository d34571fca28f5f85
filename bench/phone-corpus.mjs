// Builds the phone exactness corpus with Google's libphonenumber (its JS
// port, libphonenumber-js "max" metadata, installed by scripts/bench.sh
// into ~/.cache/owidget-tools, never committed): the example mobile number
// of every region in REGIONS, typed the ways people type it, each with
// libphonenumber's answer (INTERNATIONAL format when valid for the region,
// else null). Prints one JSON object per line:
//   {"region":"CZ","way":"national","input":"777 123 456","expected":"+420 777 123 456"}
// Then the cases issue 11 names (way "named"): Russian 800/809 numbers,
// extensions, a doubled plus.
// Usage: node bench/phone-corpus.mjs <libphonenumber-js dir>
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const dir = process.argv[2];
const lib = require(`${dir}/max/index.cjs`);
const examples = require(`${dir}/examples.mobile.json`);

// 48 regions: Europe, the Americas, Asia, Africa, Oceania.
const REGIONS = ['CZ', 'SK', 'DE', 'AT', 'PL', 'HU', 'GB', 'IE', 'FR', 'BE', 'NL', 'LU', 'CH',
  'IT', 'ES', 'PT', 'DK', 'SE', 'NO', 'FI', 'EE', 'LV', 'LT', 'UA', 'RO', 'BG', 'GR', 'HR', 'SI',
  'RS', 'TR', 'RU', 'US', 'CA', 'MX', 'BR', 'AR', 'CL', 'JP', 'KR', 'CN', 'IN', 'SG', 'IL', 'AE',
  'ZA', 'AU', 'NZ'];

function expected(input, region) {
  const n = lib.parsePhoneNumberFromString(input, region);
  return n && n.isValid() ? n.formatInternational() : null;
}

for (const region of REGIONS) {
  const n = lib.parsePhoneNumberFromString(examples[region], region);
  const cc = n.countryCallingCode;
  const nsn = n.nationalNumber;
  const national = n.formatNational();
  const natDigits = national.replace(/\D/g, '');
  const groups = national.replace(/[^\d ]/g, '').trim().split(/ +/);
  const ways = {
    international: n.formatInternational(),
    e164: n.number,
    'international 00': `00${cc} ${nsn}`,
    national,
    'national digits': natDigits,
    dashes: groups.join('-'),
    dots: groups.join('.'),
    brackets: `(${natDigits.slice(0, 3)}) ${natDigits.slice(3)}`,
    'international dashes': `+${cc}-${groups.join('-').replace(/^0/, '')}`,
    'too short': n.number.slice(0, -2),
    'too long': `${n.number}12`,
  };
  for (const [way, input] of Object.entries(ways)) {
    console.log(JSON.stringify({ region, way, input, expected: expected(input, region) }));
  }
}

const NAMED = [
  ['RU', '+7 800 555 35 35'], ['RU', '8 800 555 35 35'], ['RU', '8 (800) 555-35-35'],
  ['RU', '+7 809 505 12 34'], ['CZ', '+420 777 666 555 ext. 12'], ['US', '+1 201 555 0123 ext 5'],
  ['CZ', '++420 777 666 555'],
];
for (const [region, input] of NAMED) {
  console.log(JSON.stringify({ region, way: 'named', input, expected: expected(input, region) }));
}
