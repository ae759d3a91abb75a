"use strict";
// The AgentRuntime provider object, as this module's exports: see ../shared/shim.cjs.
module.exports = require("../shared/shim.cjs").shim("AgentRuntime");
