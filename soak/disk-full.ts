import type { Campaign } from './campaign.js';
export const diskFullCampaign: Campaign = { name: 'disk-full', what: 'todo', async run() {} };
