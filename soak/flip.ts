import type { Campaign } from './campaign.js';
export const flipCampaign: Campaign = { name: 'flip', what: 'todo', async run() {} };
