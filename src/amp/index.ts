// Mixed-precision training utilities (torch.amp): autocast regions and the dynamic loss scaler.
export { GradScaler } from './grad_scaler';
export type { GradScalerOptions, GradScalerState } from './grad_scaler';
export { autocast, autocastDtype } from './autocast';
export type { AutocastDtype, AutocastOptions } from './autocast';
