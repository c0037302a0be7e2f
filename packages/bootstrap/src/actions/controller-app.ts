/** Finding the app a scale-app/add-route step is about: an earlier step's app, or one named. */
import type { App, ControllerClient } from '@flynn-ts/controller';
import type { StepContext } from '../step-context.js';

export async function stepApp(ctx: StepContext, client: ControllerClient, appStep: string | undefined, name: string | undefined): Promise<App> {
  if (appStep !== undefined) {
    const data = ctx.state.stepData[appStep] as { app?: { id?: string } } | undefined;
    return client.getApp(data?.app?.id ?? appStep);
  }
  return client.getApp(name!);
}
