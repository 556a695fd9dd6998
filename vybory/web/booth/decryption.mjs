// The vector a decryption share covers (docs/spec.md §14, §17), read from the tally view of
// `GET /api/elections/<slug>/tally/<round>`: the tally's ciphertexts, contest after contest and
// label after label, then the last mixed rows of each ranked contest, row after row. The server
// gives it as `decryption_ciphertexts` once the tally is out and every ranked contest has been
// mixed by k trustees; until then `mixing` names the contests still waiting.

import { VyboryError, ciphertextFromJson } from './crypto.mjs';
import { t } from './i18n.mjs';

/**
 * The ciphertexts of the round's decryption vector, each decoded canonically. Refuses a view
 * without a tally, with ranked contests still to be mixed, without the vector, or whose vector
 * does not begin with the tally's own ciphertexts.
 */
export function decryptionVectorOf(view) {
  if (!view || typeof view !== 'object' || !view.encrypted_tally) {
    throw new VyboryError(t('This round has no encrypted tally yet.'), { field: 'round', code: 'no_tally' });
  }
  if (Array.isArray(view.mixing) && view.mixing.length) {
    throw new VyboryError(t('The ballots of %(contests)s are not yet mixed by enough trustees: decrypt after the mixes.',
      { contests: view.mixing.join(', ') }), { field: 'round', code: 'mixing_incomplete' });
  }
  const vector = view.decryption_ciphertexts;
  if (!Array.isArray(vector)) {
    throw new VyboryError(t('The server sent no decryption vector for this round.'),
      { field: 'decryption_ciphertexts', code: 'no_vector' });
  }
  const tally = view.encrypted_tally.contests.flatMap((c) => c.ciphertexts.map((ct) => ({ contest: c.contest, ct })));
  if (vector.length < tally.length || tally.some(({ ct }, i) => ct.alpha !== vector[i].alpha || ct.beta !== vector[i].beta)) {
    throw new VyboryError(t('The decryption vector does not begin with the encrypted tally.'),
      { field: 'decryption_ciphertexts', code: 'not_the_tally' });
  }
  return vector.map((ct, i) => ciphertextFromJson(ct,
    i < tally.length ? `tally.${tally[i].contest}[${i}]` : `decryption_ciphertexts[${i}]`, { allowIdentity: true }));
}
