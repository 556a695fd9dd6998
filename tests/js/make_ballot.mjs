// Makes a ballot with the booth's code for a form given on stdin, for the Python tests
// (tests/web/test_booth_ballots.py): {"form", "credential", "choices", "seed", "mode"}.
// mode "encrypt": one pass with the deterministic source of spec §7.2 seeded by `seed`;
// mode "seal": encrypt first, then prove and sign (the booth's order), with the system source.
// Prints {"ballot", "tracking_code", "values", "audit", "opened"} as JSON.
import { readFileSync } from 'node:fs';
import { deterministicRng, systemRng } from '../../vybory/web/booth/crypto.mjs';
import {
  auditInformation, ballotEncryptionCode, encryptBallot, openWithRandomness, prepareBallot, sealBallot,
} from '../../vybory/web/booth/ballot.mjs';
import { choiceToValues, valuesToChoice } from '../../vybory/web/booth/choices.mjs';

const input = JSON.parse(readFileSync(0, 'utf8'));
const { form, credential, choices, seed, mode } = input;
const values = Object.fromEntries(form.contests.map((l) => [l.contest, choiceToValues(l, choices[l.contest] ?? null)]));
let out;
if (mode === 'encrypt') {
  const { ballot, secrets } = encryptBallot(form, credential, values, deterministicRng(seed));
  out = { ballot, tracking_code: secrets.tracking_code, values, secrets };
} else {
  const prepared = prepareBallot(form, values, systemRng);
  const audit = auditInformation(prepared);
  const opened = openWithRandomness(form, audit);
  const { ballot, tracking_code } = sealBallot(prepared, credential, systemRng);
  out = {
    ballot, tracking_code, values, audit,
    opened: Object.fromEntries(form.contests.map((l) => [l.contest, valuesToChoice(l, opened[l.contest])])),
    same_encryption: ballotEncryptionCode(ballot) === prepared.encryption_code,
  };
}
process.stdout.write(JSON.stringify(out));
