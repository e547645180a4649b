import { Experience, PracticeArea } from './types';

const PRACTICE_AREA_LABELS: Readonly<Record<PracticeArea, string>> = {
  detention_bond: 'detention and bond',
  removal_defense: 'removal defense',
  asylum: 'asylum',
  daca: 'DACA',
  u_visa: 'U visa',
  t_visa: 'T visa',
  vawa: 'VAWA',
  crimmigration: 'crimmigration',
  other: 'other matters',
};

export function practiceAreaLabel(area: PracticeArea): string {
  return PRACTICE_AREA_LABELS[area] ?? area;
}

export function practiceAreaList(areas: readonly PracticeArea[]): string {
  return areas.map(practiceAreaLabel).join(', ');
}

const EXPERIENCE_LABELS: Readonly<Record<Experience, string>> = {
  in_absentia_orders: 'in absentia orders',
  removal_orders: 'removal orders and post-order relief',
};

export function experienceList(items: readonly Experience[]): string {
  return items.map((e) => EXPERIENCE_LABELS[e] ?? e).join(' and ');
}
