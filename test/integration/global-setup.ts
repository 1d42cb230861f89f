// Placeholder until the WORM store lands: the integration project needs a global setup file.
export default async function setup(): Promise<void> {}
