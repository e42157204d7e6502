// A real Wechaty puppet service on loopback for Linli's tests: PuppetServer around PuppetMock.
//
//   node puppet_server.mjs <port> <token> <fixture.json>
//
// The fixture names the bot account, contacts and rooms; they are (re)created each time the
// client starts the puppet. Standard input takes one JSON command per line, answered on
// standard output with {"reply": n, ...}; everything the bot sends is reported there too,
// as {"sent": {...}}. Logs go to standard error.
import fs from 'node:fs'
import readline from 'node:readline'

import { FileBox } from 'file-box'
import { PuppetMock } from 'wechaty-puppet-mock'
import { PuppetServer } from 'wechaty-puppet-service'

const [port, token, fixturePath] = process.argv.slice(2)
if (!port || !token || !fixturePath) {
  console.error('usage: node puppet_server.mjs <port> <token> <fixture.json>')
  process.exit(2)
}
const fixture = JSON.parse(fs.readFileSync(fixturePath, 'utf8'))

function report (line) {
  process.stdout.write(JSON.stringify(line) + '\n')
}

class RecordingPuppet extends PuppetMock {
  // PuppetMock's sends return no id; the client needs one, so return the new message's.
  async sendAndReturnId (conversationId, something) {
    await this._messageSend(conversationId, something)
    return [...this.mocker.cacheMessagePayload.keys()].pop()
  }

  async messageSendText (conversationId, text, mentionIdList) {
    const id = await this.sendAndReturnId(conversationId, text)
    report({ sent: { to: conversationId, text, mentions: mentionIdList ?? [], id, at: Date.now() } })
    return id
  }

  async messageSendFile (conversationId, file) {
    const size = (await file.toBuffer()).length
    const id = await this.sendAndReturnId(conversationId, file)
    report({ sent: { to: conversationId, file: file.name, size, id, at: Date.now() } })
    return id
  }
}

const puppet = new RecordingPuppet()
const mocker = puppet.mocker

function contact (id, name) {
  if (!mocker.cacheContactPayload.has(id)) {
    mocker.createContact({ id, name: name ?? id, friend: true })
  }
  return mocker.ContactMock.load(id)
}

function room (id) {
  return mocker.RoomMock.load(id)
}

// The client stops and starts the puppet on every connection: this runs on each start.
mocker.use(function fixtureEnvironment () {
  const bot = contact(fixture.bot.id, fixture.bot.name)
  for (const c of fixture.contacts ?? []) contact(c.id, c.name)
  for (const r of fixture.rooms ?? []) {
    if (!mocker.cacheRoomPayload.has(r.id)) {
      mocker.createRoom({
        id: r.id,
        topic: r.topic,
        ownerId: r.owner,
        adminIdList: r.admins ?? [],
        memberIdList: [fixture.bot.id, ...r.members],
      })
    }
  }
  mocker.login(bot)
  return () => {}
})

function conversation (command) {
  return command.room ? room(command.room) : contact(fixture.bot.id)
}

const commands = {
  contact: (c) => { contact(c.id, c.name) },
  say: (c) => {
    const mentions = (c.mentions ?? []).map((id) => contact(id))
    contact(c.from).say(c.text, mentions).to(conversation(c))
  },
  file: (c) => {
    const box = FileBox.fromBase64(Buffer.alloc(c.bytes, 7).toString('base64'), c.name)
    contact(c.from).say(box).to(conversation(c))
  },
  join: (c) => { room(c.room).add(...c.members.map((id) => contact(id))).by(contact(c.by)) },
  leave: (c) => { room(c.room).remove(...c.members.map((id) => contact(id))).by(contact(c.by)) },
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  let command
  try {
    command = JSON.parse(line)
    commands[command.cmd](command)
    report({ reply: command.n ?? null, ok: true })
  } catch (error) {
    report({ reply: command?.n ?? null, ok: false, error: String(error) })
  }
})

const server = new PuppetServer({
  endpoint: `127.0.0.1:${port}`,
  puppet,
  token,
  tls: { disable: true },
})
await server.start()
report({ listening: Number(port) })

async function shutdown () {
  await server.stop()
  process.exit(0)
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
