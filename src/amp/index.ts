// Mixed-precision training utilities (torch.amp): the dynamic loss scaler.
export { GradScaler } from './grad_scaler';
export type { GradScalerOptions, GradScalerState } from './grad_scaler';
