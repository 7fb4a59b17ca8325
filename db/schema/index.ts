export * from './enums';
export * from './opportunities';
export * from './events';
