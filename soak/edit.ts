import type { Campaign } from './campaign.js';
export const editCampaign: Campaign = { name: 'edit', what: 'todo', async run() {} };
