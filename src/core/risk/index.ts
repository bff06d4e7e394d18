// Early warning: signals → features → risk score (rules or a trained logistic model) → training.
export * from './signals';
export * from './score';
export * from './train';
export * from './riskConfig';
export * from './tracker';
export * from './riskAlerts';
