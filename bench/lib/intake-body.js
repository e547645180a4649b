'use strict';
/**
 * Realistic, invented intake bodies: every sensitive field filled, a detainer with a release-eligible time in the
 * next hours, practice areas and an adverse party. Names, A-numbers and phones vary per request so that blind-index
 * duplicate checks behave as in real traffic (rare matches), not as one ever-growing duplicate group.
 */
const FIRST = ['María', 'José', 'Juan', 'Ana', 'Luis', 'Rosa', 'Carlos', 'Lucía', 'Pedro', 'Elena', 'Tomás', 'Yesenia'];
const LAST = ['García', 'Hernández', 'López', 'Martínez', 'Pérez', 'Ramírez', 'Cruz', 'Xol', 'Tzul', 'Quiroa', 'Ixcoy', 'Cux'];
const LANGS = ['spa', 'spa', 'spa', 'mam', 'quc', 'kjb', 'por', 'hat'];
const AREAS = [['detention_bond', 'removal_defense'], ['detention_bond', 'asylum'], ['removal_defense', 'u_visa'], ['crimmigration', 'detention_bond']];

let counter = 0;

function intakeBody(seed = counter++) {
  const n = seed + Math.floor(Math.random() * 1e9);
  const pick = (list, k = 0) => list[(n + k) % list.length];
  const digits = String(100000000 + (n % 899999999)).slice(0, 9);
  const releaseEligibleAt = new Date(Date.now() + (4 + (n % 40)) * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    client: {
      firstName: pick(FIRST),
      lastName: `${pick(LAST, 3)} ${pick(LAST, 7)}`,
      dateOfBirth: `19${70 + (n % 30)}-0${1 + (n % 9)}-1${n % 10}`,
      aNumber: `A${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6, 9)}`,
      phone: `+1 713 555 ${String(n % 10000).padStart(4, '0')}`,
      email: `client${n}@example.org`,
      address: `${100 + (n % 900)} Example Street, Apt ${n % 50}, Houston TX 770${n % 100}`,
      countryOfBirth: pick(['Guatemala', 'Honduras', 'El Salvador', 'Mexico', 'Haiti', 'Venezuela']),
      immigrationStatus: 'entered without inspection in 2019; no prior applications',
      criminalHistory: 'arrested for driving without a license; no convictions',
      preferredLanguage: pick(LANGS),
      needsInterpreter: n % 3 === 0,
      safeToContact: { voicemail: false, sms: true, note: 'call after 6 pm; ask for the cousin' },
    },
    caller: { relationship: 'family', name: `${pick(FIRST, 5)} ${pick(LAST, 2)}`, phone: `+1 832 555 ${String((n * 7) % 10000).padStart(4, '0')}` },
    consent: { shareWithAttorney: true, obtainedFrom: 'caller' },
    custody: {
      status: 'local_jail',
      county: 'Harris',
      state: 'TX',
      bookingNumber: `BK-${n % 10000000}`,
      detainerLodged: true,
      releaseEligibleAt,
    },
    practiceAreas: pick(AREAS),
    narrative:
      'Detained after a traffic stop on the way to work. Family reports an ICE detainer was lodged at booking. ' +
      'Has two U.S. citizen children and has lived in Houston for six years; fears return after threats from a gang ' +
      'in the home country. Needs a bond hearing and advice on asylum eligibility before any transfer.',
    adverseParties: [{ name: `${pick(FIRST, 9)} ${pick(LAST, 11)}`, relationship: 'former partner' }],
  };
}

module.exports = { intakeBody };
