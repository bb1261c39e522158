/** The seed's four leak patterns, one scenario each in the demo app. */
export const scenarios = ['listeners', 'closure', 'cache', 'stream'] as const;
export type Scenario = (typeof scenarios)[number];
