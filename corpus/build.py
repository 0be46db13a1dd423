# ruff: noqa: E501
"""Build the syndet demo corpus.

Every story, person, place, company and outlet in this file is invented for the syndet
project; nothing is copied from real news. Running ``python corpus/build.py`` rewrites every
article file, ``labels.csv`` and ``sources.csv`` byte for byte; ``python corpus/build.py --check``
only verifies that the files on disk are what this script would write. Standard library only.
"""

from __future__ import annotations

import argparse
import html
import itertools
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def paras(text: str) -> list[str]:
    """Split a story body into paragraphs (separated by blank lines)."""
    out = []
    for block in text.strip().split("\n\n"):
        out.append(" ".join(line.strip() for line in block.strip().splitlines()))
    return out


@dataclass(frozen=True)
class Story:
    headline: str
    byline: str
    body: str

    @property
    def paragraphs(self) -> list[str]:
        return paras(self.body)


# ---------------------------------------------------------------------------------------------
# Wire stories (Continental Press, an invented news agency) used by the clusters
# ---------------------------------------------------------------------------------------------

BRIDGE = Story(
    "Port Aldine bridge closed after inspectors find corroded cables",
    "By Teodora Vance, Continental Press",
    """
PORT ALDINE, May 14 (Continental Press) — The Halvard Street suspension bridge, the only direct road link between Port Aldine's old town and its eastern docks, was closed to all traffic on Tuesday after inspectors found severe corrosion in two of its main support cables, county officials said.

The closure took effect at 6 a.m., barely two hours after an engineering firm hired by Sorrel County delivered a preliminary report describing rust that had eaten through as much as a fifth of the steel strands in places. Police cars blocked both approaches, and a ferry normally reserved for freight began carrying commuters across the inner harbour by mid-morning.

"We did not take this decision lightly, but the numbers in front of us left no room for debate," said Augustin Pelletier-Roy, the county's director of public works. "Until we know exactly how deep the damage goes, nobody drives, cycles or walks over that bridge."

Built in 1958 and widened in 1987, the bridge carries roughly 31,000 vehicles on an average weekday, according to county traffic counts. It was last inspected in full four years ago, when engineers rated its condition as fair and recommended a detailed cable survey within five years.

That survey began in March. Divers and rope-access technicians from Kellerman Structural, the firm hired for the work, spent six weeks photographing and sampling the cables where they enter the concrete anchor blocks on each shore, the spots most exposed to salt spray and standing water.

Greta Lindqvist-Amadi, the firm's lead engineer, said the worst damage was found inside the eastern anchorage, where a drainage channel appeared to have been blocked for years. "Water collected in the one place you least want it," she said. "The steel looks fine from the outside. It is only when you cut open the protective wrapping that you see what has been happening."

Businesses on the eastern side of the harbour reacted with alarm. Ottilie Brandsma, who runs a marine supply shop on Quayside Row, said about two-thirds of her customers reached her by crossing the bridge. "If this goes on all summer, some of us will not make it to the autumn," she said.

The county has set up a free shuttle bus between the old town and the docks via the Marrowfield ring road, a detour of about 11 kilometres. Officials urged drivers to avoid the ring road during the morning peak and said extra ferry sailings would run every 20 minutes from 6 a.m. until 9 p.m.

Pelletier-Roy said it was too early to estimate the cost of repairs or how long the bridge would remain shut. A full assessment, including load tests on the remaining cables, is expected within three weeks. Replacing an entire main cable, he said, could take a year or more.

The Port Aldine Chamber of Commerce called for an emergency fund to help affected traders, and several county councillors said they would demand to know why the blocked drain had not been spotted earlier. Councillor Wilhelmina Ashdown said residents deserved "a full account of every inspection, every warning and every budget decision" connected to the bridge.

Engineers not involved in the inspection said corrosion at anchorages is a familiar weak point in older suspension bridges. "Anchorages are dark, damp and awkward to reach, so they tend to be checked less often than the parts of a bridge people can see," said Idris Halloran, a professor of structural engineering at Glenmoor University.

For now, the bridge's twin steel towers remain lit at night as usual, though its deck stands empty. County officials said they would post daily updates on the closure and hold a public meeting at the Port Aldine civic hall next Thursday evening.
""",
)

# A few words changed by the Pinecrest Observer's copy desk.
BRIDGE_EDITS = [
    ("was closed to all traffic on Tuesday", "was shut to all traffic on Tuesday"),
    ("carries roughly 31,000 vehicles", "carries about 31,000 vehicles"),
    ("reacted with alarm", "reacted with dismay"),
    ("set up a free shuttle bus", "set up a temporary shuttle bus"),
    ("Officials urged drivers", "Officials asked drivers"),
    ("next Thursday evening", "next Thursday night"),
]

WATER = Story(
    "Calloway Valley irrigation district orders first water rationing in 30 years",
    "By Lucian Ferreira-Holt, Continental Press",
    """
DUNMERE, June 3 (Continental Press) — The Calloway Valley Irrigation District on Monday ordered farmers to cut their water use by a quarter for the rest of the growing season, the first mandatory rationing in the valley since 1994, after a second dry winter left the Hollin Reservoir at its lowest level in three decades.

The district's five-member board voted unanimously for the cuts at a packed meeting in Dunmere, the valley's market town. Under the plan, each of the district's roughly 640 member farms will receive a weekly allocation based on its average use over the past five summers, minus 25 percent.

"Nobody on this board wanted to be the one to do this," said board chair Marguerite Oyelaran-Fitch. "But the reservoir does not care what we want. If we keep drawing at last year's pace, the canals will be dry by the middle of August."

Hollin Reservoir held 38 percent of its capacity on Friday, according to district figures, compared with a typical early-June level of about 80 percent. Snowfall in the Ashcombe Range, which feeds the reservoir through the spring melt, reached barely half its long-term average this winter.

Growers of thirstier crops such as alfalfa and sweetcorn are expected to be hit hardest. Several told the meeting they would leave fields unplanted rather than watch crops wither halfway through the season. Orchard owners, whose trees can take years to recover from drought stress, asked the board for a larger share, but the request was turned down.

For the first time, the district will allow farmers to trade allocations among themselves, a measure supporters say will let water flow to the most valuable crops. Critics warned that larger operations could outbid small family farms. A register of trades will be published weekly on the district's website.

Enforcement will rely on the meters fitted to every canal gate in the valley since 2011. Farms that exceed their allocation by more than 10 percent in any week will face fines, and repeat offenders could have their gates locked, the board said.

Agricultural economists at the regional extension office estimate the cuts could reduce the valley's farm income by between 60 million and 90 million crowns this year, depending on how hot the summer turns out to be.

The board will review the rationing order in mid-July. Oyelaran-Fitch said an early return to normal allocations would require "a miracle in the form of a very wet July," which forecasters currently consider unlikely.
""",
)

SALAMANDER = Story(
    "Rare copper-spotted salamander rebounds in Fennick Hills, Glenmoor study finds",
    "By Priya Castellano-Reid, Continental Press",
    """
GLENMOOR, April 22 (Continental Press) — A rare amphibian that biologists feared was disappearing from the Fennick Hills has more than doubled in number over the past six years, according to a study published on Monday by researchers at Glenmoor University.

The copper-spotted salamander, a slender, finger-length animal found only in a handful of cold streams on the hills' northern slopes, was listed as endangered by the regional wildlife council in 2015 after surveys counted fewer than 400 adults.

The new count, carried out over three spring seasons by a team of students and volunteers, estimated the adult population at between 900 and 1,100 animals. The results appear in the journal Upland Ecology.

Lead author Dr. Henrietta Obuya-Sandvik said the recovery appeared to be linked to the replacement of 23 old road culverts that had blocked the salamanders from moving between streams. The work, paid for by the county and a conservation trust, was finished in 2019.

"The old pipes were perched above the water, so a salamander coming downstream could drop out but could never climb back," Obuya-Sandvik said. "Once the new culverts went in, we started finding animals in streams where nobody had seen one for twenty years."

The team tagged more than 600 salamanders with tiny fluorescent marks injected under the skin, which glow under ultraviolet light and allow individual animals to be recognised when they are caught again. Recaptures showed some salamanders travelling more than a kilometre along connected streams.

The researchers cautioned that the population remains small and vulnerable. Warmer summers are raising water temperatures in the shallowest streams, and a fungal disease that has devastated amphibians elsewhere has not been detected in the Fennick Hills but could arrive at any time.

Ravindra Kollberg, who chairs the regional wildlife council's amphibian panel, welcomed the findings but said the species would stay on the endangered list until at least two more surveys confirm the trend. "One good count is encouraging," he said. "Three good counts would be a recovery."

Local volunteers played a large part in the survey. More than 150 people, many of them retirees and secondary school pupils, spent cold April nights wading through streams with head torches and clipboards.

The study's authors recommend extending the culvert programme to a further 40 crossings on the hills' southern slopes, where the salamander has not been recorded since the 1990s. The county said it would consider the proposal in its next transport budget.
""",
)

# ---------------------------------------------------------------------------------------------
# Local reuse of the wire stories (cluster B: partial, cluster C: rewritten)
# ---------------------------------------------------------------------------------------------

# Cluster B (1): a short brief = the first three wire paragraphs plus two sentences of its own.
WATER_BRIEF_HEADLINE = "Valley farms told to cut water use by a quarter"
WATER_BRIEF_OWN = (
    "Valley Wire will publish each week's allocation table as soon as the district releases it. "
    "Growers with questions can reach the district office on Mill Lane in Dunmere on weekday mornings."
)
WATER_BRIEF_KEEP = 3  # paragraphs of the wire story kept verbatim

# Cluster B (2): a local feature that embeds the whole wire story inside its own reporting.
FEATURE_HEADLINE = "At Hollin Creek, the Ostranders learn to farm with a quarter less water"
FEATURE_BYLINE = "By Henrike Sallow, Northstar Courier"
FEATURE_BEFORE = """
HOLLIN CREEK — Bram Ostrander was out among his pear trees before six on Tuesday morning, a clipboard in one hand and a soil probe in the other, working out which rows would get water this week and which would have to wait.

The Ostrander family has farmed these 40 hectares at the dry eastern end of the valley since 1952. Bram, 58, took over from his father in the 1990s; his daughter Saskia, 24, came home last year after finishing agricultural college with plans to plant a new block of cider apples. Those plans are now on hold.

"We sat at the kitchen table on Monday night and did the arithmetic three times," Bram said. "Every time, the answer was the same. Something has to go without."

The decision that upended the family's summer was taken a few kilometres away, in a crowded hall in the market town. This is how the Continental Press reported it:
"""
FEATURE_AFTER = """
For the Ostranders, a cut of that size translates into roughly eleven fewer hours a week of water through the canal gate that feeds their orchard. Saskia has drawn up a rota on a whiteboard in the packing shed, colour-coded by variety: the oldest pear trees, which have the deepest roots, will be watered least, while young trees planted three years ago will get priority.

"Old trees can sulk for a season and come back," she said. "Young ones just die."

The family is also laying straw mulch between the rows to slow evaporation and has borrowed a second-hand drip system from a neighbour who gave up growing vegetables two years ago. Drip lines can deliver the same water with far less waste than the flood irrigation the orchard has relied on for decades, but fitting them across the whole farm would cost more than the family earns in a good month.

Advisers have been fielding anxious calls all week. Caradoc Pemberton-Ruiz, who visits orchards across the eastern valley for the growers' advisory service, said owners should resist the temptation to give every tree a little, which leaves all of them stressed, and instead protect the trees most likely to pay back. "Triage is the word we keep using," he said. "Nobody likes it, but it works."

Down the lane, sheep farmer Tomasz Wieczorek-Hale said he had already sold a third of his flock rather than buy hay at drought prices. "You cannot ration a sheep," he said. "You feed it or you sell it."

The new trading scheme has divided the Hollin Creek Growers' Cooperative, which represents 38 farms at this end of the valley. Its chair, Ingrid Mallory-Obi, said some members saw trading as a lifeline, while others feared that water would drain toward the big vegetable growers on the valley floor. The cooperative plans to pool part of its members' allocations so that small orchards can bid together, and will meet in the chapel hall on Friday to agree the rules.

Bram remembers the last rationing year, when he was a young man working for his father. They lost a block of plums that summer, and his father never replanted it. "He said the land was telling us something," Bram said. "I am trying not to listen too closely."

On Tuesday evening, as the canal gate opened for the family's first rationed turn, Saskia stood at the edge of the youngest block and watched the water creep slowly between the rows. "Eleven hours," she said. "We will make every one of them count."
"""

# Cluster C: a rewrite of the salamander story (new lead, new order, many sentences reworded).
REWRITE = Story(
    "Head torches and clipboards: how volunteers helped a rare salamander come back",
    "By Jasper Quill, Harbour Gazette",
    """
FENNICK HILLS — For three springs, Orla Brightwater spent her Thursday nights standing in a freezing hillside stream, peering into the water for a flash of orange. The retired pharmacist from Port Aldine was one of the volunteers behind a count that, scientists announced this week, shows one of the region's rarest animals recovering.

Glenmoor University researchers now put the number of adult copper-spotted salamanders somewhere between 900 and 1,100, more than twice the total recorded six years ago. Their findings were published on Monday in Upland Ecology.

The copper-spotted salamander, a slender, finger-length animal found only in a handful of cold streams on the hills' northern slopes, was listed as endangered by the regional wildlife council in 2015 after surveys counted fewer than 400 adults.

"It is cold, it is wet and most nights you see nothing at all," Brightwater said. "Then one turns up in your torch beam and you forget your feet are numb." More than 150 people, many of them retirees and secondary school pupils, spent cold April nights wading through streams with head torches and clipboards.

The team tagged more than 600 salamanders with tiny fluorescent marks injected under the skin, which glow under ultraviolet light and allow individual animals to be recognised when they are caught again. Some of the marked animals later turned up a kilometre or more from where they had first been found.

According to the study's lead author, Dr. Henrietta Obuya-Sandvik, the rebound seems to follow the county's decision to replace 23 ageing culverts under hill roads, which had cut the streams off from one another. That project, funded jointly with a conservation charity, was completed in 2019.

"The old pipes were perched above the water, so a salamander coming downstream could drop out but could never climb back," Obuya-Sandvik said. "Once the new culverts went in, we started finding animals in streams where nobody had seen one for twenty years."

The head of the wildlife council's amphibian panel, Ravindra Kollberg, called the results good news but said the salamander would remain listed as endangered until further surveys back them up. "One good count is encouraging," he said. "Three good counts would be a recovery."

The researchers cautioned that the population remains small and vulnerable. Hotter summers are heating the shallowest pools, and scientists fear that a fungal infection which has wiped out frogs and newts in other regions could one day reach the hills.

The authors want the culvert work extended to another 40 road crossings on the southern side of the hills, where nobody has recorded the species since the 1990s. Officials said the idea would be weighed when the county draws up its next transport budget.

Brightwater has already signed up for next spring. "I keep telling my grandchildren I am doing science," she said. "They think I am just getting my boots wet."
""",
)

# ---------------------------------------------------------------------------------------------
# Cluster D: two independent stories about the same warehouse fire (must NOT be related)
# ---------------------------------------------------------------------------------------------

FIRE_NEWS = Story(
    "Fire destroys Kestrel Logistics warehouse on Tessaly Road",
    "By Caspian Mortlake, Lakeshore Ledger",
    """
BRENNOCK — A fire that burned for more than nine hours reduced the Kestrel Logistics distribution warehouse on Tessaly Road to a blackened shell on Sunday, sending a column of smoke over the eastern half of Brennock that could be seen from the lakeshore promenade at dawn.

Brennock Fire and Rescue received the first call at 1:40 a.m. from a security guard who noticed flames near the loading bays on the building's north side. Within an hour, 62 firefighters and 14 engines from four stations were at the scene, including crews borrowed from neighbouring Halsworth and Tiverne.

All 38 employees working overnight got out safely, and the fire chief credited a drill the company held in March. "Everyone on the night shift walked out through the east doors in under four minutes, exactly as they had practised," Chief Rosalind Achebe-Marsh told reporters at a briefing outside the fire station on Cobbler Lane.

Firefighters spent most of the night trying to stop the blaze from jumping to a paint depot and a timber yard that sit within 30 metres of the warehouse. Ladder crews poured water onto the roofs of both neighbouring buildings while others attacked the fire from the yard. The roof of the 11,000-square-metre warehouse collapsed shortly after 4 a.m., and commanders pulled their crews back to fight the fire from outside.

Residents of about 90 homes on Tessaly Road, Pellow Street and the lower end of Farrier Hill were told to keep windows and doors shut until mid-morning because of the smoke. The town's public health office said air readings had returned to normal levels by noon.

The cause of the fire is not yet known. Investigators from the fire service and the regional police were expected to begin examining the site on Monday once the structure has been made safe. Achebe-Marsh said there was no evidence so far that the fire had been set deliberately, but she declined to rule anything out.

Kestrel Logistics, which stores and ships household goods for retailers across the lakes region, bought the warehouse in 2017. In a written statement, the firm said it was "devastated" and was working with insurers and customers to move deliveries to a smaller depot it runs in Halsworth.

The road remained closed between the railway bridge and the Pellow Street roundabout on Sunday afternoon as crews dampened hot spots. Police advised drivers heading to the industrial estate to use the northern bypass, and said the closure could last until Tuesday.

Several firefighters were treated for heat exhaustion at the scene, but none needed hospital care, the service said. One engine was damaged when part of a wall fell onto the yard.

It is the largest fire in Brennock since the Ostler flour mill burned in 2009, according to the service's records. Achebe-Marsh praised the crews from neighbouring stations and thanked residents who brought flasks of tea and sandwiches to the firefighters during the night.
""",
)

FIRE_WORKERS = Story(
    "After the warehouse fire, Kestrel's 140 workers wonder what comes next",
    "By Nadira Holloway-Brisk, East Bank Herald",
    """
BRENNOCK — Jonah Ferrante had worked at the Tessaly Road site for eleven years, long enough to remember when the building still smelled of fresh paint. On Sunday afternoon he stood behind a police cordon with a paper cup of coffee and watched an excavator pick at what was left of it.

"I drove forklifts in there five nights a week," said Ferrante, 46. "Now I do not know if I have a job on Monday, or next month, or at all."

He is one of roughly 140 people employed by Kestrel Logistics at the depot, most of them on rotating shifts that keep goods moving to shops across the lakes region around the clock. The blaze, first reported at 1:40 a.m. and fought through the night by 62 firefighters, left the building roofless and its stock destroyed.

Nobody was injured, a fact Brennock Fire and Rescue put down to planning rather than luck. At a Sunday morning briefing, Fire Chief Rosalind Achebe-Marsh said: "Everyone on the night shift walked out through the east doors in under four minutes, exactly as they had practised." Staff last rehearsed an evacuation in the spring.

For the workers, the bigger question is what happens now. The company has said staff will be paid in full for the next four weeks while it shifts some operations to Halsworth, about 25 kilometres away. Beyond that, it has made no promises.

Mercy Adeyinka-Holt, a regional organiser for the Transport and Warehouse Workers' Union, said she had asked the firm to guarantee wages until a decision is made on rebuilding. "These are people with mortgages and children in school," she said. "Four weeks is a start, not an answer."

The Halsworth site is less than a third of the size of the burned building and already runs close to capacity, according to two employees who asked not to be named. Some workers without cars said the commute would be impossible on current bus timetables.

Managing director Fenella Quarrington said Kestrel was "committed to this town" and expected to decide within six weeks whether to rebuild on the same plot. She thanked the fire crews for saving the neighbouring businesses.

The deputy mayor, Everett Nkemelu-Dawes, said the job centre would hold drop-in sessions for affected staff at the Guildhall on Wednesday and Thursday, and that several local employers had already offered temporary positions.

Back at the cordon, Ferrante finished his coffee and watched the excavator for a while longer. "Eleven years," he said. "You would think it would take longer than one night to lose all that."
""",
)

# ---------------------------------------------------------------------------------------------
# Standalone stories (unrelated to each other and to the clusters)
# ---------------------------------------------------------------------------------------------

STORM_SEASON = Story(
    "Forecasters expect busier storm season along the Tarrow coast",
    "By Anselm Ruiz-Whitcombe, Continental Press",
    """
TARROW BAY, May 2 (Continental Press) — The Coastal Meteorological Bureau expects between 12 and 16 named storms to reach the Tarrow coast this autumn, well above the seasonal average of nine, the agency said on Thursday in its annual outlook.

Sea surface temperatures across the Gannet Deep, the stretch of open water where most of the region's autumn storms gather strength, are running about 1.4 degrees above normal for the time of year. Warmer water supplies more energy to developing systems, the bureau's chief forecaster, Solveig Achterberg, told a briefing in Tarrow Bay.

"Warm water is the fuel," Achterberg said. "We cannot tell you today which towns will be hit or when, but the ingredients for an active season are already sitting offshore."

The outlook gives a 65 percent chance of an above-normal season, a 25 percent chance of a near-normal one and a 10 percent chance of a quiet year. The bureau has issued an above-normal forecast in four of the past six years, and was right on three of those occasions.

For the first time, the forecast draws on readings from a network of 40 drifting buoys launched last September by the bureau and the Naval Hydrographic Office. The buoys measure temperature down to a depth of 200 metres, giving forecasters a clearer picture of how much heat lies beneath the surface, where a passing storm can churn it upward.

Emergency planners along the coast said the forecast would not change their preparations much, since they plan for a severe season every year. Still, several harbour towns said they would bring forward maintenance on sea walls and storm gates. Kilnsea Point intends to finish raising its western breakwater by the end of August, two months ahead of schedule.

Insurers are watching closely. Last autumn's storms caused an estimated 2.1 billion crowns in insured damage along the coast, most of it from flooding rather than wind, according to the regional insurers' association. Premiums for waterfront homes in some districts have doubled over five years.

Achterberg urged households to check their emergency kits and evacuation routes before the season starts. The bureau will update its forecast in early August, when more data from the buoy network and from weather balloons released over the Gannet Deep will be available.
""",
)

BUDGET = Story(
    "Merriwick councillors pass budget that restores library hours",
    "By Rosamund Tiernan, Harbour Gazette",
    """
MERRIWICK — Merriwick's town council approved a 48-million-crown budget for the coming year on Wednesday night, reversing last year's cuts to library opening hours and setting aside money for a long-delayed repaving of the market square.

The budget passed by seven votes to four after nearly three hours of debate in the council chamber, where about 70 residents packed the public gallery. Most of them had come to hear the fate of the Ferncliffe branch library, which has opened only three days a week since January.

Under the approved plan, Ferncliffe will return to six-day opening from September, and the main library on Chandler Street will stay open until 8 p.m. on weekdays. The change will cost about 410,000 crowns a year, mainly in staff wages.

"People told us, loudly and repeatedly, that the library is not a luxury," said Mayor Constance Abernathy-Pryce, who proposed the restoration. "For a lot of families in this town it is the only quiet, warm place with a free computer."

Opposition councillors argued the town could not afford new spending while its pension obligations keep rising. Councillor Dorian Mackintosh-Eze said the budget relied on optimistic forecasts of property tax revenue and warned that a downturn in house building could leave a hole of more than two million crowns. "We are spending next year's money this year," he said.

The budget also includes 3.6 million crowns for the market square, where uneven paving stones have led to dozens of complaints and at least two injury claims against the council. Work is expected to start after the autumn fair and finish before Easter.

Property taxes will rise by 2.9 percent, slightly below the rate of inflation. Fees for parking in the town centre will go up by 20 cents an hour, a change traders opposed at a consultation meeting in April.

Library users in the gallery applauded when the vote was announced. Beatrix Olumide, a retired teacher who organised a petition signed by more than 2,300 people, said she was relieved but would be watching to make sure the promised hours materialised. "We have heard promises before," she said. "I will believe it when I see the lights on at Ferncliffe on a Saturday."
""",
)

ROWING = Story(
    "Port Aldine juniors take three golds at Sennet Lake regatta",
    "By Marcus Ferreby, Harbour Gazette",
    """
SENNET LAKE — Rowers from the Port Aldine Junior Boat Club won three gold medals and a silver at the Northern Waters regatta on Saturday, their best result at the event since the club was founded in 1979.

The club's under-16 coxed four led from the start of the 1,000-metre final and finished almost two lengths clear of Kellbrook Rowing Academy, which had beaten them by a canvas at the spring heats. Stroke Imogen Achterhof said the crew had spent the winter rebuilding their technique after that defeat.

"We were faster than them in April but we kept falling apart in the last 200 metres," said Achterhof, 15. "This time we saved something for the finish, and it worked."

Further golds came in the under-14 double sculls, where twins Ruairi and Fionnuala Dempsey-Okoro won by four seconds, and in the under-18 single sculls, won by Tobiah Mwangi-Larsen in a time of 3 minutes 48 seconds, a regatta record for the class.

The club's under-18 eight took silver after a close race with the host club, Sennet Lake Rowing, whose crew crossed the line less than half a second ahead. Head coach Philippa Garrowby said she was proud of the eight despite the narrow loss.

"Half a second over a thousand metres is one stroke," Garrowby said. "They will be thinking about that stroke all week, which is exactly what I want."

More than 600 rowers from 31 clubs competed over two days on the lake, which has hosted the Northern Waters regatta since 1952. Strong crosswinds on Saturday morning delayed the first races by over an hour and forced organisers to shorten the programme for the youngest age groups.

The Port Aldine club has grown rapidly in the past three years, from about 40 junior members to more than 110, helped by a schools programme that gives every pupil at three local secondary schools a free term of lessons. The club is now raising money for a second boathouse on the inner harbour, where it hopes to start training from next spring.

Garrowby said several of Saturday's winners would be invited to national youth trials in July. "We have never had this many in contention," she said. "Now they have to keep their heads down and keep rowing."
""",
)

BEES = Story(
    "Beekeepers' clover trial lifts honey yields by a third",
    "By Hester Lowenthal, Harbour Gazette",
    """
PORT ALDINE — Hives placed beside fields of flowering clover produced about a third more honey than hives next to ordinary grass pasture, according to a two-year trial run by the Sorrel County Beekeepers' Association and three local farms.

The trial compared 48 hives spread across farms at Wexcombe, Ridley Green and Hatherop Moor. On each farm, half the hives sat beside strips of red and white clover sown along field margins, while the rest stood next to grazing pasture that was cut or grazed before most plants could flower.

Over the two summers, the clover-side hives produced an average of 27 kilograms of honey each, against 20 kilograms for the others. They also showed fewer signs of stress going into winter, with heavier stores and larger clusters of bees at the October inspections.

"We expected a difference, but not one this large," said association secretary Lorcan Feeney-Marsh, who kept the records. "A few metres of clover along a hedge is cheap to sow and it pays the bees back many times over."

The farms involved received a small grant from the county to cover seed costs. Farmer Odile Stavrakis said the clover strips had also helped her soil, because clover fixes nitrogen and reduced her need for fertiliser on neighbouring fields. "I did it for the bees, but I will keep doing it for the ground," she said.

Bee health has been a worry in the county since a run of poor summers in the early 2010s, when many amateur beekeepers lost half their colonies. Membership of the association has since recovered to about 260, and the number of registered hives in the county has passed 3,000 for the first time.

The association plans to publish its full results in the autumn and share them with the farming advisory service. Feeney-Marsh said the group hoped to persuade more landowners to sow flowering margins, and would offer free seed to the first 20 farms that sign up before the end of the year.

Honey from the trial hives will be sold at the association's stall at the Port Aldine harvest market in September, with the proceeds going to a fund that lends equipment, from smokers to extractors, to people keeping bees for the first time.
""",
)

FROST = Story(
    "Late frost threatens blossom across the upper valley",
    "By Cordelia Fane, Valley Wire",
    """
DUNMERE — Fruit growers in the upper Calloway Valley spent Thursday night lighting heaters and running frost fans after forecasters warned that temperatures could fall as low as minus 4 degrees, just as apple and cherry trees reached full blossom.

The Valley Weather Office issued a frost warning for all areas above 300 metres on Thursday afternoon, its first of the spring. Clear skies and a dry northerly wind were expected to let heat escape rapidly after dark, with the coldest temperatures likely just before sunrise.

Blossom is at its most vulnerable in the days after it opens. A few hours below minus 2 degrees can kill the tiny developing fruit inside the flower, leaving a tree that looks healthy but bears little or nothing in the autumn.

"You can lose a year's income in one night and not know it for a week," said Aurelio Vanterpool, who grows apples and plums on 18 hectares near Kestle Bridge. He and two workers stayed up through the night moving oil heaters between rows and checking thermometers every half hour.

Larger orchards relied on wind machines, tall fans that pull warmer air down from a few metres above the ground. Others switched on sprinklers, coating the blossom in a thin layer of ice that, counterintuitively, protects it by releasing heat as the water freezes.

By Friday morning the lowest reading at the weather office's station in Upper Thornwick was minus 3.1 degrees. Growers said it was too soon to judge the damage, but early checks suggested orchards on the valley floor had fared worse than those on slopes, where cold air drains away downhill.

The cold snap is expected to ease over the weekend, with night-time temperatures staying above freezing from Saturday. Forecasters said there was a small chance of another frost midweek.

Ingrid Sallis of the valley fruit growers' association said members would begin cutting open sample blossoms on Monday to count the browned centres that mark a lost fruit. "Ask me again in ten days," she said.
""",
)

BAKERY = Story(
    "Crumb & Copper bakery to open six new shops after investment",
    "By Thaddeus Orme, Valley Wire",
    """
DUNMERE — Crumb & Copper, the sourdough bakery that began in a converted garage in Dunmere eight years ago, will open six new shops across the region over the next 18 months after selling a minority stake to a regional investment fund.

Founders Margit Okonkwo-Lund and her husband, Declan Lund, said the deal with Ashgrove Regional Capital would give them about 4.5 million crowns to spend on new premises, ovens and staff. The couple will keep a controlling 60 percent share of the business.

The first of the new shops will open in Halsworth in October, followed by branches in Brennock, Pinecrest and three towns along the Tarrow coast. Each will bake on site, the founders said, rather than receiving bread from a central kitchen.

"People can tell the difference between a loaf baked down the road this morning and one that has been on a lorry," Okonkwo-Lund said. "If we lose that, we lose the reason anyone comes to us."

The bakery employs 46 people at its four existing shops. The expansion is expected to add around 70 jobs, including a dozen apprentice bakers, whom the company will train at its Dunmere headquarters in a new teaching kitchen.

Crumb & Copper's turnover rose to 6.2 million crowns last year, up from 4.8 million the year before, driven partly by wholesale orders from restaurants and hotels. The company buys most of its flour from two mills in the valley, and the founders said they would keep doing so despite the larger volumes.

Ashgrove partner Felicity Nakamura-Breck said the fund had been looking for a regional food business with loyal customers and room to grow. "They have queues outside at seven in the morning in a town of 20,000 people," she said. "That tells you something."

Not everyone is convinced. Several independent bakers in Halsworth said they worried about competition from a better-funded rival. Okonkwo-Lund said she understood the concern but believed the region had room for more good bread, not less.
""",
)

MARATHON = Story(
    "Schoolteacher breaks course record to win Dunmere half marathon",
    "By Rafferty Oduya, Valley Wire",
    """
DUNMERE — A primary school teacher from Upper Thornwick won the Dunmere half marathon on Sunday in a course record of 1 hour 6 minutes and 52 seconds, beating a field that included two former national champions.

Elias Brannigan-Soto, 29, pulled away from the leading group on the long climb past the old water mill at the 15-kilometre mark and ran the final six kilometres alone. He crossed the line in front of the town hall 41 seconds ahead of Kofi Arkwright, the winner in 2019 and 2022.

"I teach nine-year-olds all week, so running up a hill is the relaxing part," Brannigan-Soto said. "I honestly did not look at my watch until the last kilometre. When I saw the time I thought it was broken."

The previous record of 1:07:30 had stood since 2011. Brannigan-Soto, who trains before school on the towpath along the Calloway canal, finished fourth last year.

The women's race was won by Annika Voss-Meredith in 1:17:08, her third win in four years. She said a sore hamstring had kept her from attacking the record. "I decided at the halfway point that winning would have to be enough today," she said.

More than 3,400 runners started the race, a record field, with another 900 taking part in a five-kilometre fun run for families. Organisers said cool, overcast weather had helped produce fast times throughout the field, with more than 200 runners finishing under 90 minutes.

The race raised about 180,000 crowns for the valley's hospice and for a new all-weather running track at Dunmere Secondary School. Race director Bartholomew Kaye said next year's event would move to a later start time to reduce clashes with church services along the route.

Brannigan-Soto said he would celebrate with his class on Monday. "They made me a banner," he said. "I have to go in and show them the medal, or I will never hear the end of it."
""",
)

LIBRARY = Story(
    "Oskvale library reopens after two-year rebuild",
    "By Wendeline Ashcroft, Northstar Courier",
    """
OSKVALE — The doors of Oskvale's public library opened again on Saturday morning for the first time in two years, and the first person through them was a nine-year-old who had been waiting outside since half past seven with a bag of overdue books.

"I have had these since before it closed," said Pippa Marchetti-Gale, handing over three picture books to head librarian Aldous Fenwick. Fenwick waived the fines, to applause from the queue behind her.

The library on Tanner Street closed two springs ago after a survey found asbestos in its ceilings and serious damp in the basement archive. Rather than patch the 1930s building, the town council voted to rebuild its interior completely, keeping only the brick facade and the carved stone entrance.

The 7.8-million-crown project has produced a building with twice as much space for children, a teenage study room that stays open until 9 p.m., a small recording studio and a local history room where the town's newspaper archive, now stored at a steady temperature, can be viewed by appointment.

Architect Selma Ruthven-Oakes said the challenge had been to make a modern library inside walls that were nearly a century old. "We wanted people to walk in and feel that it was still their library, just lighter and warmer," she said.

During the closure, a temporary library ran from two rooms above the Oskvale fire station, and a mobile book van visited outlying villages twice a week. Loans fell by about a third, Fenwick said, but membership held up better than expected.

The opening day included storytelling sessions, a brass band on the front steps and tours of the new archive, where volunteers have spent the past year cataloguing photographs dating back to the 1890s. More than 1,500 people visited by mid-afternoon, according to library staff.

Not everything is finished. The rooftop reading garden will not open until the spring because of delays in delivering its glass screens, and the café counter is still waiting for a tenant.

Fenwick said he hoped the building would win back readers who had drifted away. "A library is only as good as the people who use it," he said. "Today they came back."
""",
)

COMET = Story(
    "Retired postman spots new comet from his garden in Wendle",
    "By Oswin Tremayne, Northstar Courier",
    """
WENDLE — A retired postman who took up astronomy after leaving his delivery round has become the first person in the region in more than 40 years to discover a comet, using a telescope he built himself in his back garden.

Cuthbert Ambrose-Nyland, 67, noticed a faint, fuzzy smudge near the constellation of the Lynx while photographing distant galaxies in the early hours of March 9. When it appeared in a slightly different position the following night, he sent his images to the Minor Bodies Bureau, which confirmed this week that the object was a previously unknown comet.

It will carry his name, following the long tradition of naming comets after the people who first report them.

"I thought it was a smear on the lens," Ambrose-Nyland said. "I cleaned the mirror twice before I let myself believe it was real."

Astronomers say the comet is travelling on a long, looping orbit that brings it close to the Sun only once every several thousand years. It is currently far too dim to see without a large telescope, but could brighten enough by late autumn to be visible through good binoculars from dark locations, though comet brightness is notoriously hard to predict.

Dr. Melisande Corvo, who studies small bodies at the Hallowmere Observatory, said amateur discoveries had become rare because professional survey telescopes now scan most of the sky every few nights. "To find one from a garden is a genuine achievement," she said. "He was looking at a patch of sky the surveys had briefly skipped because of the bright Moon."

Ambrose-Nyland built his 40-centimetre reflecting telescope over three winters in his garage, grinding the mirror by hand. It sits in a small wooden shed with a roof that rolls back on rails he salvaged from a closed railway siding.

He has been a member of the Wendle and District Astronomical Society since 2016 and regularly gives talks at local schools. Society chair Rhiannon Galbraith-Ito said members had been "beside themselves" since the confirmation arrived, and that a celebration was planned at the society's next monthly meeting.

Ambrose-Nyland said he planned to keep watching. "It is out there, getting closer every night," he said. "I would like to be the first to see its tail."
""",
)

HOUSING = Story(
    "Birchfield housing plan approved after six-hour hearing",
    "By Ignatius Pell, Northstar Courier",
    """
BIRCHFIELD — A plan to build 420 homes on former railway land on the edge of Birchfield was approved by the district planning committee early on Wednesday after a hearing that began at six in the evening and ended shortly after midnight.

The committee voted five to three in favour of the scheme, proposed by developer Calder & Rook, which includes 130 homes to be sold or rented below market prices, a primary school, a health centre and a new footbridge across the River Lenn.

More than 90 people signed up to speak, and the committee chair, Councillor Evadne Moriarty-Shaw, eventually limited each speaker to two minutes. Supporters, many of them young families and renters, said the town badly needed homes they could afford. Opponents raised concerns about traffic on the Old Mill Road, flooding and the loss of a meadow that has become popular with dog walkers.

"My children grew up here and none of them can afford to live here," said Harriet Oduya-Blake, a nurse who spoke in favour. "If we turn this down, we are telling them to leave."

Residents of the neighbouring Larkspur estate presented a petition with 1,100 signatures against the plan. Their spokesman, Gideon Farraday, said the district had ignored repeated warnings about surface water flooding on the site. "The meadow floods every February. Putting concrete on it does not make the water disappear," he said.

The developer agreed during the hearing to enlarge two storage ponds and to fund a traffic study on the Old Mill Road within a year of the first homes being occupied. Calder & Rook's planning director, Lysander Quayle, said the company hoped to start building next spring, with the first homes ready in about two years.

The approval still needs to be confirmed by the regional planning authority, which can call in large schemes for review. Farraday said residents would ask it to do so, and had already begun raising money for a lawyer.

Moriarty-Shaw said the decision had been among the hardest of her time on the committee. "There were good arguments on both sides," she said. "In the end, the need for homes outweighed the objections."
""",
)

CURLING = Story(
    "Ellesmoor rink wins provincial curling title in extra end",
    "By Gunnar Thistlewood, Ridgeline Post",
    """
ELLESMOOR RIDGE — The Ellesmoor Curling Club rink skipped by Marit Halvorsen-Byrne won the provincial women's championship on Sunday with a last-stone draw to the button in an extra end, edging the defending champions from Quarry Falls 7-6.

Trailing 6-5 going into the tenth end, Halvorsen-Byrne's team stole a point to force the extra end, when the Quarry Falls skip, Delphine Ashworth-Kaur, narrowly missed a double takeout with her final stone.

With the hammer and a crowd of about 500 on its feet, Halvorsen-Byrne needed only to reach the centre of the house. Her stone curled gently down the sheet and came to rest on the button, setting off the club's loudest celebration in years.

"My legs were shaking in the hack," Halvorsen-Byrne said afterwards. "I just told myself it was a draw I throw a hundred times in practice, and tried not to look at the scoreboard."

The rink of Halvorsen-Byrne, third Josefine Tarrant, second Bettina Okafor-Reyes and lead Colette Mbatha went through the week-long round robin with eight wins and one loss, then beat Saddlebrook in the semi-final.

It is Ellesmoor's first provincial women's title since 1998. The team will represent the province at the national championship in February.

Quarry Falls had won the last two titles and were favourites after beating Ellesmoor 8-3 in the round robin. Ashworth-Kaur said her team had played well but left too many stones in play in the closing ends. "They made their shots when it mattered," she said.

The championship was held at the Ellesmoor club for the first time in 20 years, after the club replaced its ice plant and resurfaced all four sheets last summer. Club president Reginald Amankwah said volunteers had worked more than 3,000 hours to host the event.

Halvorsen-Byrne, a veterinarian who curls three evenings a week, said the team would take a few days off before starting to prepare for the nationals. "We have a lot of thank-you notes to write first," she said.
""",
)

SCHOOL_BOARD = Story(
    "Ridgeline school board rejects four-day week trial",
    "By Philomena Strand, Ridgeline Post",
    """
ELLESMOOR RIDGE — The Ridgeline District school board on Monday voted down a proposal to trial a four-day school week at two rural schools, ending months of debate that divided parents, teachers and the district's bus contractor.

The proposal, put forward by superintendent Obadiah Kerrigan-Vale, would have lengthened each school day by 75 minutes at Hollowbrook and Scarrow primary schools in exchange for Fridays off, starting next September. Supporters said the change would save money on transport and help the district recruit teachers, who have been leaving for larger towns.

The board rejected it by four votes to three. Trustee Ambrose Delacourt-Finch, who cast the deciding vote, said he was not persuaded that the savings, estimated at about 280,000 crowns a year, justified the strain on working parents who would need to find childcare on Fridays.

"If we save money at the schools and push the cost onto families, we have not really saved anything," Delacourt-Finch said.

A survey of parents at the two schools found 52 percent in favour and 41 percent against, with the rest undecided. Teachers' representatives backed the trial, saying a three-day weekend would make rural posts more attractive. The district currently has nine unfilled teaching positions, most of them in its smallest schools.

Parents who opposed the plan said younger children would struggle with longer days. "My son is six. By two o'clock he is done, and no amount of extra time will change that," said Marisol Feathergill, who has two children at Scarrow.

Kerrigan-Vale said he was disappointed but would bring back other ideas to tackle the recruitment problem, including housing allowances for teachers willing to move to the district's rural communities. "The problem that led us here has not gone away," he said.

Several neighbouring districts have adopted four-day weeks in the past decade, with mixed results. Research on the effect on pupils' learning remains limited and inconclusive, according to a report prepared for the board by the provincial education office.

The board will next discuss staffing at its meeting in March.
""",
)

SEA_CHARTS = Story(
    "Museum unrolls 300-year-old sea charts for the first time",
    "By Evander Lisle, Ridgeline Post",
    """
ELLESMOOR RIDGE — A set of hand-drawn sea charts that spent nearly a century rolled up in a museum storeroom has gone on public display for the first time at the Ridgeline Museum of Local History, after three years of careful restoration.

The 14 charts, drawn in ink and watercolour in the early 1720s, show the coastline from the Tarrow estuary to the northern fjords in remarkable detail, including depths, rocks, landmarks and notes on currents written in a tiny, looping hand. They were donated to the museum in 1931 by a descendant of a shipping family and then largely forgotten.

Curator Ottoline Maberley-Sowah found them in 2021 while preparing an inventory. "They were in a tube labelled 'old papers', underneath a box of school photographs," she said. "When we unrolled the first one on a table, the whole room went quiet."

The charts were brittle and some had been damaged by insects and water. Conservator Ferdinand Oyelowo spent months humidifying and flattening each sheet, repairing tears with fine tissue and wheat starch paste, and removing old adhesive tape that a previous owner had used to patch them.

Researchers believe the charts were made by a pilot named Jorund Aske, whose initials appear in a corner of several sheets. Ship's pilots at the time kept private charts of waters they knew well and guarded them closely, since their knowledge was their livelihood.

One chart shows a harbour that no longer exists, at the mouth of the Vellan river, where a settlement was abandoned after a storm changed the course of the channel in the 1760s. Local historians say it is the most detailed picture of the lost harbour yet found.

The exhibition, called Waters Known and Guarded, runs until the end of next year. The charts are displayed in low light in climate-controlled cases, and will be rotated every three months so that no sheet is exposed for too long. Digital copies can be explored in detail on touchscreens in the gallery.

Maberley-Sowah said the museum hoped visitors with old family papers would check their own attics. "There are more of these out there," she said. "I am sure of it."
""",
)

FERRY = Story(
    "Ferry operator seeks 18 percent fare rise on Marrow Lake crossing",
    "By Ingeborg Latchford, Lakeshore Ledger",
    """
LAKESHORE — The company that runs the car ferry across Marrow Lake has asked the regional transport board for permission to raise fares by 18 percent, blaming higher fuel prices, a new crew agreement and the cost of repairing its older vessel.

Marrow Lake Ferries, which carries about 420,000 passengers and 160,000 vehicles a year between Lakeshore and Cobbsworth, said in its application that it had lost money for two years running and could not keep its current timetable without an increase.

If approved, the single fare for a car and driver would go from 22 crowns to 26, and a foot passenger ticket from 5.50 to 6.50. Books of 20 commuter tickets would rise by a smaller amount, about 11 percent.

"Nobody likes asking for this," said general manager Leopold Ashby-Nwosu. "But we have one boat that is 34 years old and needs a new engine, and fuel alone has gone up by almost a third since our last fare change."

The application has angered commuters on the Cobbsworth side, many of whom cross daily to jobs in Lakeshore. A group calling itself Fair Fares for Marrow Lake collected 1,800 signatures in a week and plans to present its petition at a public hearing next month. Organiser Tamsin Whitlow said a daily commuter would pay about 400 crowns more a year. "For a family on one income, that is real money," she said.

The transport board can approve the full increase, a smaller one, or reject it. It last approved a ferry fare rise four years ago, when it granted 9 percent of the 14 percent the company requested.

Some councillors in Cobbsworth have called for the region to buy the service and run it as a public utility, as several lake crossings further north already are. Ashby-Nwosu said the company would be open to talks but warned that public ownership would not make the boats any cheaper to run.

The public hearing will take place at the Lakeshore community centre on the 14th of next month. Written comments can be sent to the transport board until the end of this month, by post or through the board's online form.
""",
)

FOOD_FAIR = Story(
    "Zoë Ångström brings her smokehouse kitchen to the Lakeshore food fair",
    "By Søren Ødegaard-Pike, Lakeshore Ledger",
    """
LAKESHORE — The queue at the smoked-fish stall stretched past the bandstand by noon on Saturday, and the woman behind the counter, chef Zoë Ångström, was running out of rye bread.

“I brought enough for two days,” Ångström said, slicing another loaf with one eye on the line. “It seems I brought enough for one.”

Ångström, who grew up in a fishing village on the northern fjords and now runs a small restaurant in Cobbsworth called Rökeri, was one of 64 cooks and producers at this year’s Lakeshore Nordic Food Fair, the largest in its eleven-year history. Organisers estimated that 12,000 people passed through the lakeside park over the weekend.

She smokes trout and whitefish from Marrow Lake over alder and juniper in a converted shipping container behind her restaurant, and serves it on open sandwiches with crème fraîche, pickled cucumber and dill. “Nothing clever,” she said. “Good fish, good smoke, and you leave it alone.”

The fair has grown from a handful of stalls run by descendants of northern settlers into a regional event that draws cooks from well beyond the lakes. This year’s guests included baker Inês Gonçalves-Thorsen, whose cardamom knots sold out within an hour on both days, and a delegation from Lakeshore’s twin village, Αγία Μελισσάνθη (Agia Melissanthi), who grilled octopus on charcoal and taught a crowded tent how to fold filo pies.

The twinning link began in 2009 through a school exchange and now brings visitors in both directions every summer. The village’s council president, Ξανθή Μαυρομμάτη, said she had been told to expect cold weather and had packed three jumpers. “I have not needed one,” she said, laughing.

Music came from a trio led by the accordionist Ярослава Тихомирова, whose family settled in Cobbsworth in the 1990s, and from the Lakeshore Ladies’ Choir, which sang a set of harvest songs in four languages.

Fair chair Henrik Åkesson-Brandt said the committee would look for a bigger site next year, possibly the former rail yard by the harbour, because the park had been “full to the railings” on Saturday afternoon. Stallholders paid a flat fee of 150 crowns for the weekend, and any surplus goes to the town’s sea-rescue volunteers.

By five o’clock on Sunday, Ångström had sold 90 kilograms of fish and every last crumb of bread. She was already planning for next year. “Two days,” she said. “Next time I bring enough for three.”
""",
)

BALLPARK = Story(
    "Lakeshore Loons unveil plans for rebuilt ballpark",
    "By Dashiell Arrowood, Lakeshore Ledger",
    """
LAKESHORE — The Lakeshore Loons, the town's minor league baseball club, on Thursday unveiled plans to rebuild their 1962 ballpark with new stands, a covered concourse and a lakeside picnic terrace beyond the outfield fence, at a cost of about 22 million crowns.

The designs, shown to season-ticket holders at a packed meeting in the clubhouse, keep the ballpark's famous hand-operated scoreboard and its view across the water to the Cobbsworth hills, but replace almost everything else. Seating would rise from 3,200 to about 4,500, with a third of the seats under cover.

"Our fans have sat on splintered benches in the rain for sixty years and kept coming back," said club president Winifred Osei-Lamont. "They deserve a ballpark that is as good as their loyalty."

The club will pay about half of the cost from its own reserves and a loan, and is asking the town and the regional sports fund to cover the rest. The town council is expected to consider a contribution of up to 6 million crowns at its meeting next month. Several councillors have said they want guarantees that the ballpark will be available for school and community games.

If funding is agreed, work would begin after the end of next season and take about 14 months. The Loons would play their home games in the following season at the Cobbsworth College field, which holds about 1,800 spectators.

Longtime fan Ambrose Tillinghast, who has held the same two seats behind home plate since 1974, said he was torn. "I have spent half my life on those benches," he said. "But my knees would not mind a seat with a back."

The new terrace would be open on non-game days as a public space with picnic tables and a playground, the club said. It would also include a small museum of the team's history, featuring the jersey worn by pitcher Lorenzo Quickfall when he threw the club's only no-hitter in 1988.

Osei-Lamont said the club had not yet sold naming rights to the new ballpark, and promised that fans would be consulted before it did. "Some things you do not change without asking," she said.
""",
)

SAWMILL = Story(
    "Pinecrest sawmill to reopen as worker-owned cooperative",
    "By Alaric Whitford, Pinecrest Observer",
    """
PINECREST — The Hemlock Bend sawmill, which closed last winter with the loss of 85 jobs, will reopen in the autumn under the ownership of the people who used to work there, after former employees raised enough money to buy the site and its equipment.

The new cooperative, Hemlock Bend Timber Workers, completed the purchase from the mill's previous owner on Friday for an undisclosed sum. Each of its 52 founding members put in 5,000 crowns, and the rest of the money came from a regional development loan and a community share offer that raised 1.3 million crowns from more than 600 local investors.

"When the gates were locked in January, most of us thought that was the end of it," said head sawyer Corliss Ambrey-Duval, who chairs the cooperative's board. "Then somebody said, what if we just bought it? It sounded crazy for about a week."

The mill, on the bend of the Sable River north of town, has cut timber since 1911. Its previous owner, a national forestry group, said it had become too small to compete with larger plants and closed it after failing to find a buyer.

The cooperative plans a narrower business, focused on high-value products such as structural beams, cladding and flooring for builders in the region, rather than competing on volume. It has already signed letters of intent with two timber-frame house builders and a furniture workshop.

Not everyone expects it to work. A forestry economist at the provincial university said small mills face tight margins and volatile log prices, and warned that cooperatives can struggle to make quick decisions. Members said they knew the risks. "We know every machine in that building by its noises," Ambrey-Duval said. "That has to be worth something."

The first logs are expected to arrive in September, with about 35 people on the payroll at the start and more if orders grow. Mayor Tobias Fairweather-Singh called the deal "the best news Pinecrest has had in years" and said the town would waive planning fees for the mill's new drying kilns.
""",
)

# A blog post (rendered as Markdown) for the quietcorners site.
BLOG = Story(
    "Notes from a winter of counting waxwings",
    "Posted by Hollis Varga-Penrose",
    """
I started keeping a notebook on the kitchen windowsill in November, mostly as an excuse to stand still for ten minutes in the morning with a cup of tea. By February it had become a small obsession, and the notebook had a waterproof cover.

The reason was waxwings. Every few winters, when the berry crop fails in the far north, these absurdly elegant birds pour south in flocks of dozens or hundreds, crested and pinkish-grey, with waxy red tips on their wing feathers that look as if someone has dabbed them with sealing wax. This was one of those winters.

The first flock arrived on the rowan trees outside the dentist's surgery on Kettle Lane on the ninth of December. I counted 34. By Christmas there were flocks on every street with a berry tree, and I had started taking a longer route to the bus stop so that I could check the hawthorns by the old tannery.

My highest single count came on the second of January: 212 birds in the car park behind the supermarket, stripping a row of ornamental crab apples in less than an hour. People stopped their trolleys to watch. A boy asked me if they were parrots. I said no, but I understood the question.

I sent my counts to the county bird recorder, as hundreds of other people did. The records are used to map how far south the birds came and how long they stayed, which in turn says something about the state of the forests and berry crops a thousand kilometres away. It is a strange feeling to think that my notebook on the windowsill is a very small part of that picture.

By the end of February the berries were gone and so were the birds, moving on or heading back north in ones and twos. The last I saw was a single bird on a television aerial, whistling its thin, trilling call to nobody in particular.

I do not know when they will come back. It might be next winter or it might be in five years. I have left the notebook on the windowsill anyway, with a fresh page open.
""",
)

# ---------------------------------------------------------------------------------------------
# Sites and their chrome (all invented)
# ---------------------------------------------------------------------------------------------

SYNDICATION_NOTE = "This story was published from a syndicated feed."


@dataclass(frozen=True)
class Site:
    folder: str
    name: str
    menu: tuple[str, ...]
    account: str
    share: str
    cookie: str
    footer: str
    related: tuple[str, ...]
    tagline: str = ""
    footer_links: tuple[str, ...] = ()


@dataclass
class RelatedPicker:
    """Hands out each site's related-story headlines three at a time, never twice."""

    used: dict[str, int] = field(default_factory=dict)

    def take(self, site: Site, n: int = 3) -> list[str]:
        start = self.used.get(site.folder, 0)
        self.used[site.folder] = start + n
        items = list(itertools.islice(itertools.cycle(site.related), start, start + n))
        return items


HARBOUR = Site(
    folder="harbourgazette",
    name="Harbour Gazette",
    menu=("Home", "Local", "Harbour", "Sport", "Weather"),
    account="Sign in",
    share="Share: Email | Print",
    cookie="Cookies help us run this site. Accept",
    footer="© 2024 Harbour Gazette",
    related=(
        "Harbour pilots vote to accept new pay deal",
        "Seafront shelter to be restored with lottery grant",
        "Quayside traders plan late-night market",
        "Lifeboat crew rescues two kayakers off Gull Point",
        "Old customs house listed for auction",
        "Football club appoints new youth coach",
        "County to trial electric refuse lorries",
        "Oyster beds reopen after winter closure",
        "Lighthouse keeper's cottage becomes a museum",
        "Heron colony returns to Marsh Lane reedbeds",
        "Night buses to run through summer holidays",
        "Fishmonger celebrates fifty years on the quay",
        "Harbour dredging contract awarded",
        "Sailing school offers free lessons for carers",
        "Parking charges frozen at Gull Point",
    ),
)

NORTHSTAR = Site(
    folder="northstarcourier",
    name="Northstar Courier",
    menu=("Front Page", "News", "Sport", "Business", "Puzzles"),
    account="Log in",
    share="Share this: Email | Copy link",
    cookie="We use cookies. OK",
    footer="Copyright 2024 Northstar Courier",
    related=(
        "Wendle bypass consultation opens next week",
        "Oskvale choir wins regional festival",
        "Snowplough budget raised after hard winter",
        "New owners for the Birchfield Arms",
        "Rovers sign goalkeeper on loan",
        "Allotment waiting list passes 400 names",
        "River Lenn footpath reopens after landslip",
        "Fire station open day draws record crowd",
        "Retired teacher publishes history of Wendle",
        "Cycle lane plan for Tanner Street shelved",
        "Grammar school marks 150th anniversary",
        "Craft brewery expands into old dairy",
        "Post office counter moves into pharmacy",
        "Ice rink to stay open until April",
        "Hedgehog rescue appeals for volunteers",
    ),
)

LAKESHORE = Site(
    folder="lakeshoreledger",
    name="Lakeshore Ledger",
    menu=("Home", "Local", "Lake Life", "Sports", "Weather", "Obituaries"),
    account="Sign in",
    share="Share",
    cookie="By continuing to browse you accept our cookies.",
    footer="© Lakeshore Ledger 2024",
    related=(
        "Lake water quality rated excellent again",
        "Promenade benches to be replaced",
        "Cobbsworth marina extension approved",
        "Loons announce summer fireworks nights",
        "Hospital opens new maternity ward",
        "Fishing permits go online from June",
        "Pier café wins regional award",
        "Swimming club marks centenary with lake crossing",
        "Holiday lets register comes into force",
        "Heritage steamboat returns to service",
        "Lakeside trail gets new signposts",
        "Road repairs on the north shore to last all summer",
        "Sailing club elects first woman commodore",
        "Ice cream van licence row settled",
        "Town band seeks new trombonist",
    ),
)

VALLEY = Site(
    folder="valleywire",
    name="Valley Wire",
    tagline="News from the Calloway Valley",
    menu=("Home", "News", "Farming", "Sport", "What's On", "Weather"),
    account="Sign in",
    share="Share",
    cookie="We use cookies to understand how readers use Valley Wire.",
    footer="© 2024 Valley Wire Media",
    footer_links=("About", "Contact", "Advertise", "Privacy"),
    related=(
        "Canal towpath resurfacing begins",
        "Cider makers report bumper year",
        "Market hall roof repaired at last",
        "New bus route links Kestle Bridge and Dunmere",
        "Upper Thornwick school gets new playground",
        "Canal boat festival returns",
        "Cinema to show classic films on Sundays",
        "Vets warn of early tick season",
        "Hospice shop opens second branch",
        "Walking festival attracts 2,000 visitors",
        "Rugby club plans new clubhouse",
        "Farm shop wins food award",
        "Station lift finally fixed",
        "Choir seeks tenors for spring concert",
        "Apple blossom trail map published",
    ),
)

RIDGELINE = Site(
    folder="ridgelinepost",
    name="Ridgeline Post",
    tagline="Mountain news, every morning",
    menu=("Home", "Ridge News", "Schools", "Outdoors", "Sports", "Opinion"),
    account="Log in",
    share="Share this story",
    cookie="This website uses cookies for analytics.",
    footer="© 2024 Ridgeline Post Publishing",
    footer_links=("About us", "Contact", "Subscribe", "Terms"),
    related=(
        "Ridge road closed for rockfall repairs",
        "Ski lift to get new chairs",
        "Quarry Falls library extends hours",
        "Farmers market moves indoors for winter",
        "Hiking club marks 50 years",
        "Hospital car park expanded",
        "Snow clearing budget debate continues",
        "Brass band wins contest",
        "New dentist opens in Scarrow",
        "Avalanche course fully booked",
        "Ridge radio celebrates anniversary",
        "Fire lookout tower restored",
        "Students build weather station",
        "Town hall clock back in working order",
        "Mountain rescue team gets new vehicle",
    ),
)

PINECREST = Site(
    folder="pinecrestobserver",
    name="Pinecrest Observer",
    tagline="Serving Pinecrest and the Sable River valley",
    menu=("Home", "News", "Sports", "Community", "Classifieds"),
    account="Sign in",
    share="Share",
    cookie="Cookies keep this site working.",
    footer="© 2024 Pinecrest Observer",
    footer_links=("Contact the newsroom", "Advertise", "Privacy"),
    related=(
        "Trail network expands north of town",
        "Forest fire risk rated moderate",
        "Logging road reopened to hikers",
        "School wins robotics prize",
        "Timber festival returns in August",
        "Woodland cemetery plan approved",
    ),
)

SITES = (HARBOUR, NORTHSTAR, LAKESHORE, VALLEY, RIDGELINE, PINECREST)

# ---------------------------------------------------------------------------------------------
# Renderers
# ---------------------------------------------------------------------------------------------


def wire_txt(story: Story) -> str:
    """A wire original: headline, byline, story. No chrome."""
    return "\n\n".join([story.headline, story.byline, *story.paragraphs]) + "\n"


def site_txt(
    site: Site,
    headline: str,
    byline: str,
    paragraphs: list[str],
    related: list[str],
    syndicated: bool = False,
) -> str:
    lines = [site.name, " | ".join(site.menu), site.account, "", headline, byline, ""]
    for p in paragraphs:
        lines += [p, ""]
    if syndicated:
        lines.append(SYNDICATION_NOTE)
    lines += [site.share, "", "Related Stories"]
    lines += [f"- {r}" for r in related]
    lines += ["", site.cookie, site.footer]
    return "\n".join(lines) + "\n"


def slugify(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def site_html(
    site: Site,
    headline: str,
    byline: str,
    paragraphs: list[str],
    related: list[str],
    syndicated: bool = False,
) -> str:
    e = html.escape
    nav = "\n".join(f'      <li><a href="/{slugify(m)}/">{e(m)}</a></li>' for m in site.menu)
    body = "\n".join(f"      <p>{e(p, quote=False)}</p>" for p in paragraphs)
    note = (
        f"\n      <p>{e(SYNDICATION_NOTE)}</p>"
        if syndicated
        else ""
    )
    rel = "\n".join(f'        <li><a href="/news/{slugify(r)}/">{e(r)}</a></li>' for r in related)
    links = " | ".join(f'<a href="/{slugify(x)}/">{e(x)}</a>' for x in site.footer_links)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{e(headline)} | {e(site.name)}</title>
  <link rel="stylesheet" href="/static/site.css">
</head>
<body>
  <header class="masthead">
    <a class="logo" href="/">{e(site.name)}</a>
    <p class="tagline">{e(site.tagline)}</p>
    <a class="account" href="/account/">{e(site.account)}</a>
  </header>
  <nav class="main-menu">
    <ul>
{nav}
    </ul>
  </nav>
  <main>
    <article>
      <h1>{e(headline)}</h1>
      <p class="byline">{e(byline)}</p>
{body}{note}
      <div class="share-buttons">
        <span>{e(site.share)}:</span>
        <button type="button">Facebook</button>
        <button type="button">X</button>
        <button type="button">Email</button>
      </div>
    </article>
    <aside class="related">
      <h2>Related stories</h2>
      <ul>
{rel}
      </ul>
    </aside>
  </main>
  <footer>
    <nav class="footer-links">{links}</nav>
    <p class="cookie-notice">{e(site.cookie)} <button type="button">OK</button></p>
    <p class="copyright">{e(site.footer)}</p>
  </footer>
</body>
</html>
"""


EASTBANK_MENU = (
    "Home | News | Brennock | East Bank | Business | Sport | Weather | Traffic | Opinion | Letters | "
    "Puzzles | Obituaries | Jobs | Property | Motors | Events | Podcasts | Newsletters"
)


def eastbank_txt(story: Story) -> str:
    """A page buried in heavy chrome: repeated menus, lists of links, long footer."""
    top = [
        "EAST BANK HERALD",
        "Brennock's independent voice since 1962",
        EASTBANK_MENU,
        "Subscribe from 1 crown a week | Sign in | Register",
        "Trending: Guildhall clock repairs | Rovers sign young striker | Canal towpath reopens | "
        "Farmers' market moves to Saturdays | Night bus consultation",
        "Advertisement",
        "",
        story.headline,
        story.byline,
        "Published Sunday, updated 18:42",
        "",
    ]
    bottom = [
        "Tags: Brennock, jobs, unions, East Bank",
        "Share this story: Facebook | X | WhatsApp | LinkedIn | Email | Print | Copy link",
        "Comments (0): Sign in or register to join the conversation. Please read our community "
        "guidelines before posting.",
        "",
        "Most Read",
        "1. Guildhall clock to chime again after two-year silence",
        "2. Rovers sign 19-year-old striker from a neighbouring club",
        "3. Canal towpath reopens after bank repairs",
        "4. Farmers' market moves to Saturday mornings",
        "5. Night bus consultation: have your say",
        "",
        "Related Stories",
        "- East Bank traders fear loss of passing trade",
        "- Industrial estate bus route under review",
        "- Union calls for a jobs summit",
        "- Council sets out support for local employers",
        "- Unemployment falls for a third month",
        "- What happens to your job after a workplace disaster?",
        "",
        "More from East Bank",
        "- Allotment society wins best in show",
        "- Community fridge opens at St Aidan's hall",
        "- Youth club mural unveiled",
        "- Bridge Street pothole finally filled",
        "",
        "Sign up for the East Bank Herald morning briefing: the news that matters to our corner of "
        "town, in your inbox every weekday at 7am. Enter your email address. Sign up. You can "
        "unsubscribe at any time.",
        "Advertisement",
        "",
        EASTBANK_MENU,
        "About us | Contact us | Advertise with us | Careers | Complaints | Corrections and "
        "clarifications | Privacy policy | Cookie policy | Terms of use | Accessibility | Sitemap | "
        "RSS feeds",
        "We and our 143 partners use cookies and similar technologies to store and access "
        "information on your device, to personalise content and adverts, to measure their "
        "performance and to understand our audiences. You can accept all, reject all, or choose "
        "which purposes you allow. Accept all | Reject all | Manage preferences",
        "© 2024 East Bank Herald Publishing Co. Registered office: 4 Tanner's Yard. All rights "
        "reserved. Reproduction in whole or in part without permission is prohibited.",
    ]
    body: list[str] = []
    for p in story.paragraphs:
        body += [p, ""]
    return "\n".join(top + body + bottom) + "\n"


def scraper_mirror(text: str, headline: str) -> str:
    """What a scraper mirror makes of a page: same words, different case, quotes and spacing."""
    out: list[str] = []
    for line in text.split("\n"):
        if line == headline:
            line = "# " + line.upper()
        elif line.startswith("- "):
            line = "* " + line[2:]
        # straight quotes -> curly, em dashes -> double hyphens
        chars = []
        opened = False
        for c in line:
            if c == '"':
                chars.append("\u201d" if opened else "\u201c")
                opened = not opened
            elif c == "'":
                chars.append("\u2019")
            else:
                chars.append(c)
        line = "".join(chars).replace("\u2014", "--")
        out.append(line)
        if line.strip():
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def blog_md(story: Story) -> str:
    parts = [
        "*Quiet Corners: a nature notebook from the hill country*",
        "",
        f"# {story.headline}",
        "",
        f"_{story.byline}, 3 March_",
        "",
    ]
    for p in story.paragraphs:
        parts += [p, ""]
    parts += [
        "Tags: birds, winter, citizen science",
        "",
        "[Older posts](/page/2/) · [About this blog](/about/)",
    ]
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------------------------

A_ORIGINAL = "newswire/port-aldine-bridge-cables.txt"
A_HARBOUR = "harbourgazette/halvard-bridge-shut.txt"
A_MIRROR = "scrapemirror/halvard-bridge-shut.md"
A_VALLEY = "valleywire/harbour-bridge-corrosion.html"
A_NORTHSTAR = "northstarcourier/rusted-cables-close-span.txt"
A_RIDGELINE = "ridgelinepost/bridge-steel-eaten-through.html"
A_TRIMMED = "lakeshoreledger/port-aldine-loses-crossing.txt"
A_EDITED = "pinecrestobserver/emergency-bridge-shutdown.html"
B_ORIGINAL = "newswire/calloway-water-rationing.txt"
B_BRIEF = "valleywire/farms-told-to-cut-water.html"
B_FEATURE = "northstarcourier/hollin-creek-orchards.txt"
C_ORIGINAL = "newswire/glenmoor-salamander-rebound.txt"
C_COPY = "ridgelinepost/rare-salamander-bounces-back.html"
C_REWRITE = "harbourgazette/volunteers-salamander-comeback.txt"
D_NEWS = "lakeshoreledger/tessaly-road-warehouse-fire.txt"
D_WORKERS = "eastbankherald/kestrel-workers-after-fire.txt"

A_TRIM_PARAGRAPHS = 2  # the trimmed copy drops the wire story's last two paragraphs


def edited(paragraphs: list[str], edits: list[tuple[str, str]]) -> list[str]:
    text = "\n\n".join(paragraphs)
    for old, new in edits:
        if text.count(old) != 1:
            raise SystemExit(f"edit {old!r} does not match exactly once")
        text = text.replace(old, new)
    return text.split("\n\n")


def build() -> dict[str, str]:
    """Every generated file, keyed by its path relative to corpus/."""
    files: dict[str, str] = {}
    pick = RelatedPicker()

    def add(path: str, text: str) -> None:
        if path in files:
            raise SystemExit(f"duplicate path {path}")
        files[path] = text

    def txt(
        site: Site, path: str, headline: str, byline: str, ps: list[str], synd: bool = False
    ) -> None:
        add(path, site_txt(site, headline, byline, ps, pick.take(site), synd))

    def page(
        site: Site, path: str, headline: str, byline: str, ps: list[str], synd: bool = False
    ) -> None:
        add(path, site_html(site, headline, byline, ps, pick.take(site), synd))

    # -- cluster A: one wire story, syndicated everywhere ------------------------------------
    add(A_ORIGINAL, wire_txt(BRIDGE))
    bp = BRIDGE.paragraphs
    harbour_headline = "Halvard Street Bridge shut indefinitely as cable rust discovered"
    txt(HARBOUR, A_HARBOUR, harbour_headline, BRIDGE.byline, bp, True)
    add(A_MIRROR, scraper_mirror(files[A_HARBOUR], harbour_headline))
    page(
        VALLEY,
        A_VALLEY,
        "Coastal county closes key harbour bridge over cable corrosion",
        BRIDGE.byline,
        bp,
        True,
    )
    txt(
        NORTHSTAR,
        A_NORTHSTAR,
        "Rusted cables force emergency closure of Port Aldine span",
        BRIDGE.byline,
        bp,
        True,
    )
    page(
        RIDGELINE,
        A_RIDGELINE,
        "Inspectors find eaten-through steel, bridge shut to traffic",
        BRIDGE.byline,
        bp,
        True,
    )
    txt(
        LAKESHORE,
        A_TRIMMED,
        "Port Aldine loses its harbour crossing as engineers find rust",
        BRIDGE.byline,
        bp[:-A_TRIM_PARAGRAPHS],
        True,
    )
    page(
        PINECREST,
        A_EDITED,
        "Emergency shutdown for 1958 bridge after cable survey",
        BRIDGE.byline,
        edited(bp, BRIDGE_EDITS),
        True,
    )

    # -- cluster B: wire story, a brief built on its top, a feature that embeds it -------------
    add(B_ORIGINAL, wire_txt(WATER))
    wp = WATER.paragraphs
    page(
        VALLEY,
        B_BRIEF,
        WATER_BRIEF_HEADLINE,
        WATER.byline,
        [*wp[:WATER_BRIEF_KEEP], WATER_BRIEF_OWN],
    )
    txt(
        NORTHSTAR,
        B_FEATURE,
        FEATURE_HEADLINE,
        FEATURE_BYLINE,
        [*paras(FEATURE_BEFORE), *wp, *paras(FEATURE_AFTER)],
    )

    # -- cluster C: wire story, a chrome copy, and a rewrite -----------------------------------
    add(C_ORIGINAL, wire_txt(SALAMANDER))
    page(
        RIDGELINE,
        C_COPY,
        "Rare salamander bounces back in the Fennick Hills",
        SALAMANDER.byline,
        SALAMANDER.paragraphs,
        True,
    )
    txt(HARBOUR, C_REWRITE, REWRITE.headline, REWRITE.byline, REWRITE.paragraphs)

    # -- D: two independent stories on one event (unrelated by design) ------------------------
    txt(LAKESHORE, D_NEWS, FIRE_NEWS.headline, FIRE_NEWS.byline, FIRE_NEWS.paragraphs)
    add(D_WORKERS, eastbank_txt(FIRE_WORKERS))

    # -- standalone articles -----------------------------------------------------------------
    add("newswire/tarrow-bay-storm-season.txt", wire_txt(STORM_SEASON))
    for site, path, story in (
        (HARBOUR, "harbourgazette/merriwick-council-budget.txt", BUDGET),
        (HARBOUR, "harbourgazette/youth-rowing-regatta.txt", ROWING),
        (HARBOUR, "harbourgazette/beekeepers-clover-study.txt", BEES),
        (NORTHSTAR, "northstarcourier/oskvale-library-reopens.txt", LIBRARY),
        (NORTHSTAR, "northstarcourier/amateur-astronomer-comet.txt", COMET),
        (NORTHSTAR, "northstarcourier/birchfield-housing-vote.txt", HOUSING),
        (LAKESHORE, "lakeshoreledger/ferry-fare-increase.txt", FERRY),
        (LAKESHORE, "lakeshoreledger/nordic-food-fair.txt", FOOD_FAIR),
        (LAKESHORE, "lakeshoreledger/ballpark-renovation.txt", BALLPARK),
    ):
        txt(site, path, story.headline, story.byline, story.paragraphs)
    for site, path, story in (
        (VALLEY, "valleywire/orchard-frost-warning.html", FROST),
        (VALLEY, "valleywire/crumb-and-copper-bakery.html", BAKERY),
        (VALLEY, "valleywire/dunmere-half-marathon.html", MARATHON),
        (RIDGELINE, "ridgelinepost/curling-championship.html", CURLING),
        (RIDGELINE, "ridgelinepost/school-board-four-day-week.html", SCHOOL_BOARD),
        (RIDGELINE, "ridgelinepost/map-museum-exhibit.html", SEA_CHARTS),
        (PINECREST, "pinecrestobserver/sawmill-reopening.html", SAWMILL),
    ):
        page(site, path, story.headline, story.byline, story.paragraphs)
    add("quietcorners/winter-birdwatching-notes.md", blog_md(BLOG))
    return files


CLUSTER_A = (
    A_ORIGINAL,
    A_HARBOUR,
    A_MIRROR,
    A_VALLEY,
    A_NORTHSTAR,
    A_RIDGELINE,
    A_TRIMMED,
    A_EDITED,
)


def labels() -> list[tuple[str, str, str]]:
    """Every pair that must be reported, as (a, b, relation) with a < b."""
    rows: dict[tuple[str, str], str] = {}

    def label(x: str, y: str, relation: str) -> None:
        a, b = sorted((x, y))
        rows[(a, b)] = relation

    for x, y in itertools.combinations(CLUSTER_A, 2):
        label(x, y, "duplicate" if {x, y} == {A_HARBOUR, A_MIRROR} else "syndicated")
    label(B_ORIGINAL, B_BRIEF, "partial")
    label(B_ORIGINAL, B_FEATURE, "partial")
    label(B_BRIEF, B_FEATURE, "partial")
    label(C_ORIGINAL, C_COPY, "syndicated")
    label(C_ORIGINAL, C_REWRITE, "rewritten")
    label(C_COPY, C_REWRITE, "rewritten")
    return sorted((a, b, r) for (a, b), r in rows.items())


def sources() -> list[tuple[str, str]]:
    """The true original of every labelled document."""
    out = {doc: A_ORIGINAL for doc in CLUSTER_A}
    out.update({doc: B_ORIGINAL for doc in (B_ORIGINAL, B_BRIEF, B_FEATURE)})
    out.update({doc: C_ORIGINAL for doc in (C_ORIGINAL, C_COPY, C_REWRITE)})
    return sorted(out.items())


def all_outputs() -> dict[str, str]:
    files = build()
    files["labels.csv"] = "a,b,relation\n" + "".join(f"{a},{b},{r}\n" for a, b, r in labels())
    files["sources.csv"] = "doc,source\n" + "".join(f"{d},{s}\n" for d, s in sources())
    return files


ARTICLE_SUFFIXES = (".txt", ".html", ".md")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify the files on disk")
    args = parser.parse_args(argv)
    outputs = all_outputs()
    folders = sorted({p.split("/")[0] for p in outputs if "/" in p})
    stale = [
        f.relative_to(ROOT).as_posix()
        for folder in folders
        if (ROOT / folder).is_dir()
        for f in sorted((ROOT / folder).iterdir())
        if f.suffix in ARTICLE_SUFFIXES and f.relative_to(ROOT).as_posix() not in outputs
    ]
    differ = [
        p
        for p, text in sorted(outputs.items())
        if not (ROOT / p).is_file() or (ROOT / p).read_bytes() != text.encode("utf-8")
    ]
    if args.check:
        for p in differ:
            print(f"out of date: {p}")
        for p in stale:
            print(f"not generated: {p}")
        return 1 if differ or stale else 0
    for p in differ:
        target = ROOT / p
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(outputs[p].encode("utf-8"))
    for p in stale:
        (ROOT / p).unlink()
    articles = sum(1 for p in outputs if p.endswith(ARTICLE_SUFFIXES))
    print(
        f"{articles} articles in {len(folders)} site folders; wrote {len(differ)} file(s), removed {len(stale)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
