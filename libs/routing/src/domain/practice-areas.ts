import { PracticeArea } from './types';

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
