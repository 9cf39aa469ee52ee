/**
 * Words shown to people, in both of the product's languages: Chinese first, English second. A vocabulary (states,
 * actions, levels) is written once as `Bilingual` pairs; the Chinese-only maps the rules' messages use are taken
 * from it, and a message for the API reads `中文（English）`.
 */
export interface Bilingual {
  readonly zh: string;
  readonly en: string;
}

/**
 * The Chinese side of a vocabulary.
 *
 * @example
 * chineseLabels({ open: { zh: '待回复', en: 'awaiting response' } }); // { open: '待回复' }
 */
export function chineseLabels<K extends string>(labels: Readonly<Record<K, Bilingual>>): Readonly<Record<K, string>> {
  return Object.freeze(
    Object.fromEntries(Object.entries<Bilingual>(labels).map(([key, { zh }]) => [key, zh])) as Record<K, string>,
  );
}
