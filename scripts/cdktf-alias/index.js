// One copy of the CDK core: the cdktf-era bindings get the very module instance the app uses.
module.exports = require("cdktn");
