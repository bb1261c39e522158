// `node --require leaktop/agent app.js` for CommonJS apps: Node 20 cannot require() an ES
// module, so this loads the agent's ES module entry, which starts on its own.
import('./dist/src/agent/register.js').catch(error => {
	process.stderr.write(`leaktop agent: cannot load (${error && error.message}); the agent is off\n`);
});
