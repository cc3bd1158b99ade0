import type { Campaign } from './campaign.js';
export const seedsCampaign: Campaign = { name: 'seeds', what: 'todo', async run() {} };
