// Builds the phone exactness corpus with Google's libphonenumber (its JS
// port, libphonenumber-js "max" metadata, installed by scripts/bench.sh
// into ~/.cache/owidget-tools, never committed): the example mobile number
// of every region in REGIONS, typed the ways people type it, each with
// libphonenumber's answer (INTERNATIONAL format when valid for the region,
// else null; with an extension, libphonenumber's ` ext. N`). Prints one JSON
// object per line:
//   {"region":"CZ","way":"national","input":"777 123 456","expected":"+420 777 123 456"}
// 13 ways per region: international, E.164, `00` + country code (the
// international prefix of most regions, not of US, CA, JP, AU, KR, SG, BR,
// RU), national, digits only, dashes, dots, brackets, `+CC-` with dashes, too
// short, too long, an extension (written one of the ways people write it,
// `ext.`, `x`, `#`, `;ext=`…, turn by turn), and a doubled `++`. Then the
// cases issue 11 names (way "named"): Russian 800/809 numbers, extensions, a
// doubled plus.
// With the second argument, Google's PhoneNumberMetadata.xml (the copy the
// `phonenumber` crate ships; scripts/bench.sh finds it with cargo metadata),
// the fixed-line and toll-free example numbers of the same regions are typed
// the same ways (field "type": mobile, fixedLine, tollFree); an example that
// libphonenumber-js's newer metadata no longer finds valid is left out (and
// counted on stderr).
// Usage: node bench/phone-corpus.mjs <libphonenumber-js dir> [PhoneNumberMetadata.xml]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const dir = process.argv[2];
const lib = require(`${dir}/max/index.cjs`);
const examples = require(`${dir}/examples.mobile.json`);
const xml = process.argv[3] ? readFileSync(process.argv[3], 'utf8') : null;

// The <exampleNumber> of descriptor `type` of `region` in the metadata XML.
function xmlExample(region, type) {
  const start = xml.indexOf(`<territory id="${region}"`);
  const end = xml.indexOf('</territory>', start);
  const territory = xml.slice(start, end);
  const m = territory.match(new RegExp(`<${type}>[\\s\\S]*?<exampleNumber>(\\d+)</exampleNumber>`));
  return m ? m[1] : null;
}

// 48 regions: Europe, the Americas, Asia, Africa, Oceania.
const REGIONS = ['CZ', 'SK', 'DE', 'AT', 'PL', 'HU', 'GB', 'IE', 'FR', 'BE', 'NL', 'LU', 'CH',
  'IT', 'ES', 'PT', 'DK', 'SE', 'NO', 'FI', 'EE', 'LV', 'LT', 'UA', 'RO', 'BG', 'GR', 'HR', 'SI',
  'RS', 'TR', 'RU', 'US', 'CA', 'MX', 'BR', 'AR', 'CL', 'JP', 'KR', 'CN', 'IN', 'SG', 'IL', 'AE',
  'ZA', 'AU', 'NZ'];

function expected(input, region) {
  const n = lib.parsePhoneNumberFromString(input, region);
  return n && n.isValid() ? n.formatInternational() : null;
}

// How people write an extension after the number, one per region in turn.
const EXTENSIONS = [' ext. 12', ' ext 345', ' x7', ' #21', ', ext. 4001', ';ext=99', ' extension 8',
  ' Ext.12'];

let skipped = 0;
for (const [i, region] of REGIONS.entries()) {
  const numbers = [['mobile', examples[region]]];
  if (xml) {
    for (const type of ['fixedLine', 'tollFree']) {
      const example = xmlExample(region, type);
      if (example) numbers.push([type, example]);
    }
  }
  for (const [type, example] of numbers) {
    const n = lib.parsePhoneNumberFromString(example, region);
    if (!n || !n.isValid()) {
      skipped++;
      continue;
    }
    for (const [way, input] of Object.entries(ways(n, i))) {
      console.log(JSON.stringify({ region, type, way, input, expected: expected(input, region) }));
    }
  }
}
if (skipped) console.error(`${skipped} metadata example numbers not valid in libphonenumber-js: left out`);

// The ways one number is typed.
function ways(n, i) {
  const cc = n.countryCallingCode;
  const nsn = n.nationalNumber;
  const national = n.formatNational();
  const natDigits = national.replace(/\D/g, '');
  const groups = national.replace(/[^\d ]/g, '').trim().split(/ +/);
  return {
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
    extension: `${national}${EXTENSIONS[i % EXTENSIONS.length]}`,
    'double plus': `++${cc} ${nsn}`,
  };
}

const NAMED = [
  ['RU', '+7 800 555 35 35'], ['RU', '8 800 555 35 35'], ['RU', '8 (800) 555-35-35'],
  ['RU', '+7 809 505 12 34'], ['CZ', '+420 777 666 555 ext. 12'], ['US', '+1 201 555 0123 ext 5'],
  ['CZ', '++420 777 666 555'],
];
for (const [region, input] of NAMED) {
  console.log(JSON.stringify({ region, type: 'named', way: 'named', input, expected: expected(input, region) }));
}
